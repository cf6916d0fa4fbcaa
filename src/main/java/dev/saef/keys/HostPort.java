package dev.saef.keys;

import dev.saef.identity.QuotedText;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * The {@code address=} of an association: which server a client (Entity A) uses an association
 * for. Clause 8.2.2.1 of oneM2M TS-0003 says IdB "is also used to route the (D)TLS exchange"; this
 * is the transport address that routing resolves to.
 *
 * <p>The host is kept in a canonical form so that equal addresses are equal records: lower case,
 * without a trailing root dot, IPv6 literals without brackets in RFC 5952 form ({@code ::1}); an
 * IPv6 zone ({@code %eth0}) is kept. Host names must be ASCII (write internationalised names in
 * their {@code xn--} form).
 *
 * @param host the host name or IP literal (canonical form, see above)
 * @param port the port 1..65535, or {@link #ANY_PORT} for any port
 */
public record HostPort(String host, int port) {

    /** Port value meaning "any port". */
    public static final int ANY_PORT = -1;

    /**
     * @param host the host name or IP literal (IPv6 with or without brackets); canonicalised
     * @param port 1..65535 or {@link #ANY_PORT}
     * @throws IllegalArgumentException when the host is empty or malformed, or the port is neither
     *     {@link #ANY_PORT} nor 1..65535
     */
    public HostPort {
        host = canonicalHost(host);
        if (port != ANY_PORT && (port < 1 || port > 65535)) {
            throw new IllegalArgumentException("port " + port + " is outside 1-65535");
        }
    }

    /**
     * Parses {@code host}, {@code host:port}, {@code [ipv6]} or {@code [ipv6]:port}.
     *
     * @param text the address
     * @return the address; port {@link #ANY_PORT} when none is given
     * @throws IllegalArgumentException with a message quoting the text and saying what is wrong
     */
    public static HostPort parse(String text) {
        if (text == null || text.isEmpty()) {
            throw new IllegalArgumentException("address is empty; write host, host:port or [ipv6]:port");
        }
        String what = "address " + QuotedText.quote(text);
        String host;
        String portText = null;
        if (text.charAt(0) == '[') {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException(what + ": '[' without ']'");
            }
            host = text.substring(1, close);
            if (host.indexOf(':') < 0) {
                throw new IllegalArgumentException(what + ": brackets are only for IPv6 addresses");
            }
            String rest = text.substring(close + 1);
            if (!rest.isEmpty()) {
                if (rest.charAt(0) != ':') {
                    throw new IllegalArgumentException(what + ": expected ':port' after ']'");
                }
                portText = rest.substring(1);
            }
        } else {
            int colon = text.indexOf(':');
            if (colon >= 0 && text.indexOf(':', colon + 1) >= 0) {
                throw new IllegalArgumentException(what + ": write an IPv6 address in brackets, e.g. [::1]:8443");
            }
            host = colon < 0 ? text : text.substring(0, colon);
            portText = colon < 0 ? null : text.substring(colon + 1);
        }
        int port = ANY_PORT;
        if (portText != null) {
            port = parsePort(portText, what);
        }
        try {
            return new HostPort(host, port);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + ": " + e.getMessage());
        }
    }

    private static int parsePort(String portText, String what) {
        if (portText.isEmpty()) {
            throw new IllegalArgumentException(what + ": port after ':' is empty");
        }
        if (portText.length() > 5) {
            throw new IllegalArgumentException(what + ": port " + QuotedText.quote(portText) + " is not a number 1-65535");
        }
        int port = 0;
        for (int i = 0; i < portText.length(); i++) {
            char c = portText.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException(what + ": port " + QuotedText.quote(portText)
                        + " is not a number 1-65535");
            }
            port = port * 10 + (c - '0');
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + ": port " + port + " is outside 1-65535");
        }
        return port;
    }

    /**
     * @param peerHost the host a connection goes to (name or IP literal, IPv6 with or without
     *     brackets); compared case-insensitively, ignoring a trailing dot, IPv6 by value
     * @param peerPort its port, or -1 when unknown (then only an address without a port matches)
     * @return whether this address applies to that peer
     */
    public boolean matches(String peerHost, int peerPort) {
        if (peerHost == null || peerHost.isEmpty()) {
            return false;
        }
        String other;
        try {
            other = canonicalHost(peerHost);
        } catch (IllegalArgumentException e) {
            return false;
        }
        return host.equals(other) && (port == ANY_PORT || port == peerPort);
    }

    /**
     * @param other another address
     * @return whether some host:port would match both (same host, and same port or either has none)
     */
    public boolean overlaps(HostPort other) {
        return host.equals(other.host) && (port == ANY_PORT || other.port == ANY_PORT || port == other.port);
    }

    /** @return whether a port is given */
    public boolean hasPort() {
        return port != ANY_PORT;
    }

    /** @return {@code host}, {@code host:port}, {@code [ipv6]} or {@code [ipv6]:port} */
    @Override
    public String toString() {
        String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
        return port == ANY_PORT ? h : h + ":" + port;
    }

    private static String canonicalHost(String host) {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host is empty");
        }
        String h = host;
        if (h.length() >= 2 && h.charAt(0) == '[' && h.charAt(h.length() - 1) == ']') {
            h = h.substring(1, h.length() - 1);
        }
        if (h.indexOf(':') >= 0) {
            return canonicalIpv6(h);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        if (h.isEmpty()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (h.endsWith(".")) {
            // "a.b.." : one trailing dot is the DNS root, a second one an empty label (which no peer name
            // could ever match)
            throw new IllegalArgumentException("host name has an empty label at its end (two trailing dots)");
        }
        if (!h.chars().allMatch(ch -> ch < 0x80)) {
            // An internationalised name (RFC 6066 section 3 sends it as its A-label): compare in xn-- form.
            try {
                h = java.net.IDN.toASCII(h, java.net.IDN.USE_STD3_ASCII_RULES);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("host " + QuotedText.quote(host) + " is not a valid internationalised"
                        + " domain name: " + e.getMessage());
            }
        }
        for (int i = 0; i < h.length(); i++) {
            char c = h.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || c == '-' || c == '.' || c == '_';
            if (!ok) {
                throw new IllegalArgumentException("character " + QuotedText.describeChar(h.codePointAt(i)) + " at index "
                        + i + " is not allowed in a host name (ASCII letters, digits, '-', '_', '.';"
                        + " internationalised names in their xn-- form)");
            }
            if (c == '.' && (i == 0 || h.charAt(i - 1) == '.')) {
                throw new IllegalArgumentException("host name has an empty label at index " + i);
            }
        }
        return h.toLowerCase(Locale.ROOT);
    }

    /** @return the RFC 5952 text of an IPv6 literal (plus its zone), without brackets */
    private static String canonicalIpv6(String literal) {
        int percent = literal.indexOf('%');
        String address = percent < 0 ? literal : literal.substring(0, percent);
        String zone = percent < 0 ? "" : literal.substring(percent);
        for (int i = 0; i < address.length(); i++) {
            char c = address.charAt(i);
            if (Character.digit(c, 16) < 0 && c != ':' && c != '.') {
                throw new IllegalArgumentException("character " + QuotedText.describeChar(c) + " at index " + i
                        + " is not allowed in an IPv6 address");
            }
        }
        if (zone.length() == 1 || !zone.chars().skip(1).allMatch(c -> c < 0x7F && (Character.isLetterOrDigit(c)
                || c == '.' || c == '_' || c == '-'))) {
            throw new IllegalArgumentException("IPv6 zone " + QuotedText.quote(zone) + " is malformed");
        }
        byte[] bytes;
        try {
            // Brackets make the JDK parse a literal and never fall back to a DNS lookup.
            InetAddress a = InetAddress.getByName("[" + address + "]");
            bytes = a.getAddress();
            if (a instanceof Inet4Address) {
                return ("::ffff:" + a.getHostAddress() + zone).toLowerCase(Locale.ROOT);
            }
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(QuotedText.quote(address) + " is not an IPv6 address");
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; ) {
            if (group(bytes, i) != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && group(bytes, j) == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = j;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                sb.append("::");
                i += bestLength - 1;
                continue;
            }
            if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
                sb.append(':');
            }
            sb.append(Integer.toHexString(group(bytes, i)));
        }
        return (sb + zone).toLowerCase(Locale.ROOT);
    }

    private static int group(byte[] b, int i) {
        return ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
    }
}
