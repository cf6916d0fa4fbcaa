package dev.saef.protocol;

import java.util.Arrays;
import java.util.List;
import javax.net.ssl.SNIServerName;

/**
 * One immutable list of SNI names (RFC 6066 section 3) for every session that sent or received the same
 * names: a client sends the same name on every connection to a server, and the clients of a server
 * mostly send the server's own name, so an idle session need not hold its own copy (a list, a name, a
 * string and two arrays: about 150 octets per session). The lists are public handshake data, sent in the
 * clear; nothing secret is shared.
 *
 * <p>Keeps the last distinct list seen (process-wide): a list equal to it, octet for octet (name types
 * and encoded names; {@code SNIHostName.equals} ignores case, this does not), is replaced by it. Any other
 * list is copied ({@code List.copyOf}) and becomes the last one. Thread-safe (a racy update only loses
 * sharing, never correctness: every list handed out is immutable and equal to the one given).
 */
final class ServerNames {

    private static volatile List<SNIServerName> last = List.of();

    private ServerNames() {
    }

    /**
     * @param names the names, or null for none
     * @return an immutable list equal to {@code names} octet for octet, shared with earlier callers
     *     when they gave the same names
     */
    static List<SNIServerName> shared(List<SNIServerName> names) {
        if (names == null || names.isEmpty()) {
            return List.of();
        }
        List<SNIServerName> seen = last;
        if (sameOctets(seen, names)) {
            return seen;
        }
        List<SNIServerName> copy = List.copyOf(names);
        last = copy;
        return copy;
    }

    private static boolean sameOctets(List<SNIServerName> a, List<SNIServerName> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            SNIServerName x = a.get(i);
            SNIServerName y = b.get(i);
            if (x.getClass() != y.getClass() || x.getType() != y.getType()
                    || !Arrays.equals(x.getEncoded(), y.getEncoded())) {
                return false;
            }
        }
        return true;
    }
}
