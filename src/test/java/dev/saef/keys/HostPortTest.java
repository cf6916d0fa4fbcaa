package dev.saef.keys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPortTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "cse.example.net            | cse.example.net | -1    | cse.example.net",
        "cse.example.net:8443       | cse.example.net | 8443  | cse.example.net:8443",
        "CSE.Example.NET.:443       | cse.example.net | 443   | cse.example.net:443",
        "127.0.0.1:5684             | 127.0.0.1       | 5684  | 127.0.0.1:5684",
        "[::1]:8443                 | ::1             | 8443  | [::1]:8443",
        "[::1]                      | ::1             | -1    | [::1]",
        "[2001:DB8:0:0:0:0:0:1]:1   | 2001:db8::1     | 1     | [2001:db8::1]:1",
        "[2001:db8:0:0:1:0:0:1]     | 2001:db8::1:0:0:1 | -1  | [2001:db8::1:0:0:1]",
        "[2001:db8:1:2:3:4:5:6]     | 2001:db8:1:2:3:4:5:6 | -1 | [2001:db8:1:2:3:4:5:6]",
        "[fe80::1%eth0]:65535       | fe80::1%eth0    | 65535 | [fe80::1%eth0]:65535",
        "my_host:80                 | my_host         | 80    | my_host:80",
    })
    void parsesAndCanonicalises(String text, String host, int port, String shown) {
        HostPort hp = HostPort.parse(text);
        assertEquals(host, hp.host());
        assertEquals(port, hp.port());
        assertEquals(shown, hp.toString());
        assertEquals(hp, HostPort.parse(hp.toString()));
        assertEquals(port != -1, hp.hasPort());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "host:        | address 'host:': port after ':' is empty",
        "host:0       | address 'host:0': port 0 is outside 1-65535",
        "host:65536   | address 'host:65536': port 65536 is outside 1-65535",
        "host:123456  | address 'host:123456': port '123456' is not a number 1-65535",
        "host:abc     | address 'host:abc': port 'abc' is not a number 1-65535",
        "host:+80     | address 'host:+80': port '+80' is not a number 1-65535",
        "::1          | address '::1': write an IPv6 address in brackets, e.g. [::1]:8443",
        "[::1         | address '[::1': '[' without ']'",
        "[::1]x       | address '[::1]x': expected ':port' after ']'",
        "[host]:80    | address '[host]:80': brackets are only for IPv6 addresses",
        ":80          | address ':80': host is empty",
        ".            | address '.': host is empty",
        "a..b         | address 'a..b': host name has an empty label at index 2",
        ".a           | address '.a': host name has an empty label at index 0",
        "hp.p..       | address 'hp.p..': host name has an empty label at its end (two trailing dots)",
        "..           | address '..': host name has an empty label at its end (two trailing dots)",
        "ho/st:80     | address 'ho/st:80': character '/' at index 2 is not allowed in a host name (ASCII letters, digits, '-', '_', '.'; internationalised names in their xn-- form)",
        "[::g]        | address '[::g]': character 'g' at index 2 is not allowed in an IPv6 address",
        "[1::2::3]    | address '[1::2::3]': '1::2::3' is not an IPv6 address",
        "[fe80::1%]   | address '[fe80::1%]': IPv6 zone '%' is malformed",
    })
    void rejectsMalformedAddresses(String text, String message) {
        assertEquals(message, assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text)).getMessage());
    }

    @Test
    void rejectsEmptyAndNonAsciiHosts() {
        assertEquals("address is empty; write host, host:port or [ipv6]:port",
                assertThrows(IllegalArgumentException.class, () -> HostPort.parse("")).getMessage());
        assertEquals("address is empty; write host, host:port or [ipv6]:port",
                assertThrows(IllegalArgumentException.class, () -> HostPort.parse(null)).getMessage());
        // internationalised names are kept in their A-label form (RFC 6066 section 3 sends that)
        assertEquals("xn--bcher-kva.de", HostPort.parse("b\u00fccher.de").host());
        assertTrue(HostPort.parse("xn--bcher-kva.de:443").matches("b\u00fccher.de", 443));
        String bad = assertThrows(IllegalArgumentException.class, () -> HostPort.parse("b\u00fc\u0000cher.de"))
                .getMessage();
        assertTrue(bad.contains("not a valid internationalised domain name"), bad);
        assertEquals("port 0 is outside 1-65535",
                assertThrows(IllegalArgumentException.class, () -> new HostPort("h", 0)).getMessage());
    }

    @Test
    void matchesHostCaseInsensitivelyAndPortWhenGiven() {
        HostPort withPort = HostPort.parse("cse.example.net:8443");
        assertTrue(withPort.matches("cse.example.net", 8443));
        assertTrue(withPort.matches("CSE.example.NET", 8443));
        assertTrue(withPort.matches("cse.example.net.", 8443));
        assertFalse(withPort.matches("cse.example.net", 443));
        assertFalse(withPort.matches("cse.example.net", -1));
        assertFalse(withPort.matches("other.example.net", 8443));
        assertFalse(withPort.matches(null, 8443));
        assertFalse(withPort.matches("", 8443));
        assertFalse(withPort.matches("bad host", 8443));

        HostPort anyPort = HostPort.parse("cse.example.net");
        assertTrue(anyPort.matches("cse.example.net", 1));
        assertTrue(anyPort.matches("cse.example.net", -1));
    }

    @Test
    void matchesIpv6ByValue() {
        HostPort v6 = HostPort.parse("[2001:db8::1]:5684");
        assertTrue(v6.matches("2001:DB8:0:0:0:0:0:1", 5684));
        assertTrue(v6.matches("[2001:db8::0:1]", 5684));
        assertFalse(v6.matches("2001:db8::2", 5684));
    }

    @Test
    void overlapRule() {
        HostPort h = HostPort.parse("h.example");
        HostPort h1 = HostPort.parse("h.example:1");
        HostPort h2 = HostPort.parse("H.EXAMPLE:2");
        assertTrue(h.overlaps(h1));
        assertTrue(h1.overlaps(h));
        assertTrue(h.overlaps(h));
        assertTrue(h1.overlaps(HostPort.parse("h.example.:1")));
        assertFalse(h1.overlaps(h2));
        assertFalse(h1.overlaps(HostPort.parse("g.example:1")));
    }
}
