package dev.saef.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class HostPortProperties {

    @Provide
    Arbitrary<String> hosts() {
        Arbitrary<String> label = Arbitraries.strings().withChars("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
                .ofMinLength(1).ofMaxLength(12);
        return label.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l));
    }

    @Property(tries = 300)
    void formatParseRoundTripAndSelfMatch(@ForAll("hosts") String host,
            @ForAll @IntRange(min = 0, max = 65535) int port) {
        int p = port == 0 ? HostPort.ANY_PORT : port;
        HostPort hp = new HostPort(host, p);
        assertEquals(hp, HostPort.parse(hp.toString()));
        assertTrue(hp.matches(host.toUpperCase(java.util.Locale.ROOT), p == HostPort.ANY_PORT ? 443 : p));
        assertTrue(hp.overlaps(new HostPort(host, HostPort.ANY_PORT)));
    }

    @Property(tries = 200)
    void ipv6RoundTrips(@ForAll byte[] raw, @ForAll @IntRange(min = 1, max = 65535) int port) throws Exception {
        byte[] bytes = java.util.Arrays.copyOf(raw, 16);
        if (raw.length > 0 && raw[0] % 3 == 0) {
            java.util.Arrays.fill(bytes, 4, 12, (byte) 0); // exercise "::" compression
        }
        java.net.InetAddress a = java.net.Inet6Address.getByAddress(null, bytes, null);
        String literal = a.getHostAddress();
        HostPort hp = HostPort.parse("[" + literal + "]:" + port);
        assertEquals(hp, HostPort.parse(hp.toString()));
        assertTrue(hp.matches(literal, port));
        // The canonical text denotes the same address.
        if (!hp.host().contains(".")) { // not an IPv4-mapped address, which the JDK turns into Inet4Address
            assertEquals(a, java.net.InetAddress.getByName("[" + hp.host() + "]"));
        }
    }
}
