package dev.saef.config;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.saef.identity.IdentityMode;
import dev.saef.identity.KpsaId;
import dev.saef.keys.Association;
import dev.saef.keys.HostPort;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

class AssociationTableProperties {

    /** One generated association line, before uniqueness fixes. */
    record Spec(String relative, String peer, String host, int port, byte[] key, int keyStyle, int order,
            int decoration) {
    }

    /** The expected association and the text of its line. */
    record Line(String kpsaId, String peer, HostPort address, byte[] key, String text) {
    }

    @Provide
    Arbitrary<List<Spec>> tables() {
        Arbitrary<String> relative = Arbitraries.strings().withChars("abcXYZ019._-").ofMinLength(1).ofMaxLength(10);
        Arbitrary<String> peer = Arbitraries.oneOf(
                Arbitraries.just(null),
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(8).map(s -> "/id-" + s),
                Arbitraries.strings().alpha().numeric().ofMinLength(1).ofMaxLength(8).map(s -> "C" + s));
        Arbitrary<String> host = Arbitraries.oneOf(
                Arbitraries.just(null),
                Arbitraries.of("cse.example.net", "CSE.Example.NET", "10.0.0.1", "[2001:db8::1]", "mn.example.org"));
        Arbitrary<Integer> port = Arbitraries.oneOf(Arbitraries.just(-1), Arbitraries.integers().between(1, 65535),
                Arbitraries.of(443, 8443, 5684));
        Arbitrary<byte[]> key = Arbitraries.oneOf(
                Arbitraries.just(null),
                Arbitraries.bytes().array(byte[].class).ofMinSize(1).ofMaxSize(64));
        Arbitrary<Integer> small = Arbitraries.integers().between(0, 1000);
        Arbitrary<Spec> spec = Combinators.combine(relative, peer, host, port, key, small, small, small)
                .as(Spec::new);
        return spec.list().ofMinSize(0).ofMaxSize(12);
    }

    /** Turns specs into unique, non-overlapping lines with varied field order, spacing and comments. */
    static List<Line> lines(List<Spec> specs) {
        List<Line> out = new ArrayList<>();
        List<HostPort> used = new ArrayList<>();
        String[] separators = {" ", "\t", "   ", " \t "};
        for (int i = 0; i < specs.size(); i++) {
            Spec s = specs.get(i);
            String kpsa = s.relative() + i + "@sp" + i + ".example.com";
            HostPort address = null;
            if (s.host() != null) {
                HostPort candidate = HostPort.parse(s.port() < 0 ? s.host() : s.host() + ":" + s.port());
                if (used.stream().noneMatch(candidate::overlaps)) {
                    address = candidate;
                    used.add(candidate);
                }
            }
            List<String> fields = new ArrayList<>();
            if (s.peer() != null) {
                fields.add("peer=" + s.peer());
            }
            if (address != null) {
                fields.add("address=" + (s.port() < 0 ? s.host() : s.host() + ":" + s.port()));
            }
            if (s.key() != null) {
                switch (s.keyStyle() % 3) {
                    case 0 -> fields.add("key=hex:" + HexFormat.of().formatHex(s.key()));
                    case 1 -> fields.add("key=hex:" + HexFormat.of().withUpperCase().formatHex(s.key()));
                    default -> fields.add("key=base64:" + Base64.getEncoder().encodeToString(s.key()));
                }
            }
            java.util.Collections.rotate(fields, s.order());
            String sep = separators[s.decoration() % separators.length];
            StringBuilder text = new StringBuilder(s.decoration() % 5 == 0 ? "  " : "").append(kpsa);
            for (String f : fields) {
                text.append(sep).append(f);
            }
            if (s.decoration() % 3 == 0) {
                text.append(sep).append("# comment ").append(i);
            }
            out.add(new Line(kpsa, s.peer(), address, s.key(), text.toString()));
        }
        return out;
    }

    @Property(tries = 200)
    void generatedTablesParseToWhatWasWritten(@ForAll("tables") List<Spec> specs,
            @ForAll @IntRange(min = 0, max = 3) int filler, @ForAll boolean crlf) throws Exception {
        List<Line> lines = lines(specs);
        String eol = crlf ? "\r\n" : "\n";
        StringBuilder text = new StringBuilder("# generated table").append(eol);
        List<Integer> lineNumbers = new ArrayList<>();
        int lineNo = 1;
        for (Line l : lines) {
            for (int f = 0; f < filler; f++) {
                text.append(f % 2 == 0 ? "" : "   # filler").append(eol);
                lineNo++;
            }
            text.append(l.text()).append(eol);
            lineNo++;
            lineNumbers.add(lineNo);
        }

        AssociationTable t = AssociationTable.parse("gen", new StringReader(text.toString()), IdentityMode.STRICT, true);

        assertEquals(lines.size(), t.associations().size());
        for (int i = 0; i < lines.size(); i++) {
            Line l = lines.get(i);
            Association a = t.associations().get(i);
            KpsaId id = KpsaId.parse(l.kpsaId(), IdentityMode.STRICT);
            assertEquals(id, a.kpsaId());
            assertEquals(Optional.ofNullable(l.peer()), a.peerId());
            assertEquals(Optional.ofNullable(l.address()), a.address());
            assertEquals("gen:" + lineNumbers.get(i), a.source());
            assertEquals(l.key() != null, a.hasInlineKey());
            if (l.key() != null) {
                assertArrayEquals(l.key(), t.inlineKeys().getKey(id).getEncoded());
            } else {
                assertNull(t.inlineKeys().getKey(id));
            }
            assertEquals(Optional.of(a), t.byKpsaId(id));
            assertEquals(Optional.of(a), t.byWireIdentity(l.kpsaId().getBytes(StandardCharsets.UTF_8)));
            if (l.address() != null) {
                int port = l.address().hasPort() ? l.address().port() : 1234;
                assertEquals(Optional.of(a), t.forPeer(l.address().host().toUpperCase(java.util.Locale.ROOT), port));
            }
            assertFalse(a.toString().contains("key=hex:") || a.toString().contains("key=base64:"));
        }
    }

    @Property(tries = 100)
    void aRepeatedKpsaIdIsReportedOnItsOwnLine(@ForAll("tables") List<Spec> specs,
            @ForAll @IntRange(min = 0, max = 100) int pick) {
        List<Line> lines = lines(specs);
        net.jqwik.api.Assume.that(!lines.isEmpty());
        StringBuilder text = new StringBuilder();
        for (Line l : lines) {
            text.append(l.text()).append('\n');
        }
        Line again = lines.get(pick % lines.size());
        text.append("\n").append(again.kpsaId()).append(" peer=/dup\n");
        int line = lines.size() + 2;
        SaefConfigException e = assertThrows(SaefConfigException.class, () -> AssociationTable.parse("gen",
                new StringReader(text.toString()), IdentityMode.STRICT, true));
        assertEquals("gen:" + line + ": KpsaID " + again.kpsaId() + " is already defined at gen:"
                + (pick % lines.size() + 1), e.getMessage());
    }
}
