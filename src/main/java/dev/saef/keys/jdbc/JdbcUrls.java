package dev.saef.keys.jdbc;

import java.util.regex.Pattern;

/**
 * JDBC URLs as they may appear in messages: the value of every {@code password=} parameter (and any
 * {@code user:password@} user info) replaced by {@code ***}, so that an error naming the key store never shows the
 * database password. Stateless.
 */
public final class JdbcUrls {

    private static final Pattern PASSWORD_PARAM = Pattern.compile("(?i)([?&;]password=)[^&;]*");
    private static final Pattern USER_INFO = Pattern.compile("(//[^/@:?]*:)[^/@?]*@");

    private JdbcUrls() {
    }

    /**
     * @param url a JDBC URL
     * @return whether it names a PostgreSQL database ({@code jdbc:postgresql:}), the one kind of database key store
     */
    public static boolean isPostgres(String url) {
        return url != null && url.regionMatches(true, 0, "jdbc:postgresql:", 0, 16);
    }

    /**
     * @param url a JDBC URL
     * @return the URL with passwords replaced by {@code ***}
     */
    public static String redact(String url) {
        if (url == null) {
            return null;
        }
        String s = PASSWORD_PARAM.matcher(url).replaceAll("$1***");
        return USER_INFO.matcher(s).replaceAll("$1***@");
    }
}
