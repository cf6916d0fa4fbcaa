package dev.saef.jsse;

import dev.saef.profile.SuiteProfile;
import java.security.KeyManagementException;
import java.security.SecureRandom;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContextSpi;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocketFactory;
import javax.net.ssl.SSLSessionContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;

/**
 * The {@code SSLContext} {@code DTLS} / {@code DTLSv1.2} of the SAEF provider: PSK-SAEF over DTLS
 * 1.2 (TS-0003 clause 10.2.1 for UDP), configured exactly like the {@code TLS} context (the same
 * {@code init} rules, {@code saef.*} properties, key manager, suite profile and binding), with the
 * DTLS default suite order of {@link SuiteProfile#datagramDefaults()} ({@value SuiteProfile#DTLS_MANDATORY}
 * first, clause 10.2.2). Its engines ({@link SaefDtlsEngine}) behave like the JDK's DTLS engines.
 * As with the JDK's DTLS contexts there are no sockets: the socket factories throw
 * {@code UnsupportedOperationException}. Peers without an association are never handed to the JDK
 * (the JDK has no DTLS PSK).
 */
public final class SaefDtlsContextSpi extends SSLContextSpi {

    private volatile SaefContext context;
    private volatile KeyManagementException failure;

    /** Creates an uninitialised context (the JCA calls this). */
    public SaefDtlsContextSpi() {
    }

    @Override
    protected void engineInit(KeyManager[] km, TrustManager[] tm, SecureRandom sr) throws KeyManagementException {
        this.context = null;
        try {
            SaefContext built = SaefSSLContextSpi.build(km, tm, sr, true);
            this.failure = null;
            this.context = built;
        } catch (KeyManagementException e) {
            this.failure = e;
            throw e;
        } catch (VirtualMachineError e) {
            this.failure = SaefSSLContextSpi.unexpected(e);
            throw e;
        } catch (Throwable t) {
            KeyManagementException e = SaefSSLContextSpi.unexpected(t);
            this.failure = e;
            throw e;
        }
    }

    private SaefContext context() {
        SaefContext c = context;
        if (c != null) {
            return c;
        }
        KeyManagementException f = failure;
        if (f != null) {
            throw new IllegalStateException("this SAEF DTLS SSLContext is unusable, its init failed: " + f.getMessage(),
                    f);
        }
        throw new IllegalStateException("SSLContext is not initialized: call init(...) first");
    }

    @Override
    protected SSLSocketFactory engineGetSocketFactory() {
        throw new UnsupportedOperationException("DTLS has no sockets: use createSSLEngine() with a DatagramSocket");
    }

    @Override
    protected SSLServerSocketFactory engineGetServerSocketFactory() {
        throw new UnsupportedOperationException("DTLS has no sockets: use createSSLEngine() with a DatagramSocket");
    }

    @Override
    protected SSLEngine engineCreateSSLEngine() {
        return new SaefDtlsEngine(context(), null, -1);
    }

    @Override
    protected SSLEngine engineCreateSSLEngine(String host, int port) {
        return new SaefDtlsEngine(context(), host, port);
    }

    @Override
    protected SSLSessionContext engineGetServerSessionContext() {
        return context().serverSessions();
    }

    @Override
    protected SSLSessionContext engineGetClientSessionContext() {
        return context().clientSessions();
    }

    @Override
    protected SSLParameters engineGetDefaultSSLParameters() {
        SSLParameters p = context().newParameters(true).getSSLParameters();
        p.setMaximumPacketSize(SaefDtlsEngine.DEFAULT_PACKET_SIZE);
        return p;
    }

    @Override
    protected SSLParameters engineGetSupportedSSLParameters() {
        return new SSLParameters(context().policy().profile().supportedNames(), new String[] {SuiteProfile.DTLS_V12});
    }
}
