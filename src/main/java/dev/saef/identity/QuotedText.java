package dev.saef.identity;

/**
 * Renders untrusted identity text (KpsaIDs, TS-0003 clause 10.5; Credential-IDs, clause 10.4; entity
 * identifiers, clause 7.2.1) for error messages and logs: quoted, with control, non-ASCII and quote
 * characters escaped so that a hostile value cannot forge log lines, and long values shortened.
 *
 * <p>Never pass key material to these methods: they make text readable, they do not hide it.
 */
public final class QuotedText {

    /** Values longer than this many characters are shortened in messages. */
    public static final int MAX_SHOWN = 160;

    private QuotedText() {
    }

    /**
     * @param text the text to show, may be null
     * @return {@code 'text'} with characters outside printable US-ASCII (and the quote and backslash
     *     themselves) written as <code>&#92;uXXXX</code>, shortened to {@value #MAX_SHOWN} characters plus a
     *     note of the full length; {@code null} for null
     */
    public static String quote(String text) {
        if (text == null) {
            return "null";
        }
        int n = Math.min(text.length(), MAX_SHOWN);
        StringBuilder sb = new StringBuilder(n + 8).append('\'');
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            if (c >= 0x20 && c <= 0x7E && c != '\'' && c != '\\') {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04X", (int) c));
            }
        }
        sb.append('\'');
        if (n < text.length()) {
            sb.append("...(").append(text.length()).append(" characters)");
        }
        return sb.toString();
    }

    /**
     * @param codePoint a Unicode code point
     * @return {@code ' '} style quoting for printable US-ASCII, else {@code U+XXXX} (with a hint for
     *     whitespace and control characters)
     */
    public static String describeChar(int codePoint) {
        if (codePoint >= 0x20 && codePoint <= 0x7E) {
            return "'" + (char) codePoint + "'";
        }
        String u = String.format("U+%04X", codePoint);
        if (Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint)) {
            return u + " (whitespace)";
        }
        if (Character.isISOControl(codePoint)) {
            return u + " (control character)";
        }
        return u;
    }
}
