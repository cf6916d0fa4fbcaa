package dev.saef.zerocode;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.Provider;
import java.security.SecureRandom;
import java.security.Security;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * What a JVM gets from its JCA providers, one line each: run in a forked JVM under a
 * {@code java.security} override file, so that a test can compare the one-line file
 * ({@code security.provider.1=SAEF}) with the full {@code saef.security}. The first JCA call is
 * {@code new SecureRandom()}, the hardest case (it loads the provider list itself).
 *
 * <p>Arguments: a PKCS12 key store file holding one certificate entry and its password.
 */
public final class JdkProvidersMain {
    private JdkProvidersMain() {
    }

    public static void main(String[] args) throws Exception {
        SecureRandom first = new SecureRandom();
        first.nextInt();
        System.out.println("securerandom " + first.getAlgorithm() + " " + first.getProvider().getName());
        SecureRandom second = new SecureRandom();
        System.out.println("securerandom-again " + second.getAlgorithm() + " " + second.getProvider().getName());
        List<String> names = new ArrayList<>();
        for (Provider p : Security.getProviders()) {
            names.add(p.getName());
        }
        System.out.println("providers " + String.join(" ", names));
        attempt("strong", () -> {
            SecureRandom s = SecureRandom.getInstanceStrong();
            return s.getAlgorithm() + " " + s.getProvider().getName();
        });
        attempt("sha256", () -> {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            return md.getProvider().getName() + " " + java.util.HexFormat.of().formatHex(md.digest("abc".getBytes()));
        });
        attempt("sha1-by-name", () -> MessageDigest.getInstance("SHA-1", "SUN").getProvider().getName());
        attempt("pkcs12", () -> {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(Path.of(args[0]))) {
                ks.load(in, args[1].toCharArray());
            }
            X509Certificate c = (X509Certificate) ks.getCertificate(ks.aliases().nextElement());
            return ks.getProvider().getName() + " " + c.getSubjectX500Principal().getName();
        });
        attempt("x509", () -> {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(Path.of(args[0]))) {
                ks.load(in, args[1].toCharArray());
            }
            byte[] der = ks.getCertificate(ks.aliases().nextElement()).getEncoded();
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            return cf.getProvider().getName() + " " + ((X509Certificate) cf.generateCertificate(
                    new ByteArrayInputStream(der))).getSubjectX500Principal().getName();
        });
        attempt("jdk-tls", () -> {
            SSLContext c = SSLContext.getInstance("TLSv1.3", "SunJSSE");
            c.init(null, null, null);
            return c.getProvider().getName() + " " + c.createSSLEngine().getSupportedProtocols().length;
        });
        attempt("default-context", () -> SSLContext.getDefault().getProvider().getName());
    }

    interface Action {
        String run() throws Exception;
    }

    static void attempt(String name, Action a) {
        try {
            System.out.println(name + " " + a.run());
        } catch (Throwable t) {
            System.out.println(name + " failed " + t);
        }
    }
}
