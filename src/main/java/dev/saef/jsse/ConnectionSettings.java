package dev.saef.jsse;

import java.util.List;
import java.util.function.BiFunction;
import java.util.function.Function;
import javax.net.ssl.SSLParameters;

/**
 * The one delegate through which every JSSE setting of a SAEF socket or engine reaches the object
 * that runs its connection: SAEF's own {@link SaefParameters} until a hand-off to the JDK's TLS
 * ({@code saef.fallback=jdk}), the JDK's {@code SSLSocket}/{@code SSLEngine} after it. The switch
 * happens once ({@link #handOff}): what the application set is carried over to the JDK object
 * ({@link SaefParameters#carryOverTo}), and from then on every getter and setter goes to that object
 * unchanged, so the socket or engine answers exactly as the JDK's does (its supported and enabled
 * suites and protocols included). Socket, layered socket and engine share this class, so their
 * settings cannot drift apart.
 *
 * <p>Thread-safe: before the hand-off calls are serialised on this object (the hand-off too, so no
 * setting is lost in between); after it they go straight to the JDK object, which has its own locks.
 *
 * @param <S> the application-facing type ({@code SSLSocket} or {@code SSLEngine}) given to the ALPN
 *     selector
 */
final class ConnectionSettings<S> implements JsseSettings {

    private final S owner;
    private final SaefParameters saef;
    /** {@link #saef} until the hand-off, then the JDK object's settings; changes once. */
    private volatile JsseSettings active;
    /** The application's selector, as it gave it. */
    private volatile BiFunction<S, List<String>, String> selector;

    ConnectionSettings(S owner, SaefParameters saef) {
        this.owner = owner;
        this.saef = saef;
        this.active = saef;
    }

    /** @return SAEF's own settings, for starting a connection SAEF runs */
    SaefParameters saef() {
        return saef;
    }

    /** @return whether the JDK's TLS runs this connection */
    boolean handedOff() {
        return active != saef;
    }

    /**
     * Switches to the JDK object: carries over what the application set, then forwards everything
     * to it. Called once, by {@link JdkHandOff}, before the JDK object's handshake starts.
     */
    synchronized void handOff(JsseSettings jdk) {
        if (active != saef) {
            throw new IllegalStateException("this connection was already handed to the JDK's TLS");
        }
        saef.carryOverTo(jdk);
        active = jdk;
    }

    private <T> T call(Function<JsseSettings, T> op) {
        synchronized (this) {
            if (active == saef) {
                return op.apply(saef);
            }
        }
        return op.apply(active);
    }

    private void run(java.util.function.Consumer<JsseSettings> op) {
        call(s -> {
            op.accept(s);
            return null;
        });
    }

    /** Sets the application's ALPN selector; it is handed {@code owner}, the object the application holds. */
    void setHandshakeApplicationProtocolSelector(BiFunction<S, List<String>, String> s) {
        this.selector = s;
        run(settings -> settings.setApplicationProtocolSelector(s == null ? null : offered -> s.apply(owner, offered)));
    }

    /** @return the application's ALPN selector, exactly as given */
    BiFunction<S, List<String>, String> getHandshakeApplicationProtocolSelector() {
        return selector;
    }

    /** Not used: the transports set the application's selector with {@link #setHandshakeApplicationProtocolSelector}. */
    @Override
    public void setApplicationProtocolSelector(Function<List<String>, String> s) {
        throw new UnsupportedOperationException("use setHandshakeApplicationProtocolSelector");
    }

    @Override
    public String[] getSupportedCipherSuites() {
        return call(JsseSettings::getSupportedCipherSuites);
    }

    @Override
    public String[] getEnabledCipherSuites() {
        return call(JsseSettings::getEnabledCipherSuites);
    }

    @Override
    public void setEnabledCipherSuites(String[] suites) {
        run(s -> s.setEnabledCipherSuites(suites));
    }

    @Override
    public String[] getSupportedProtocols() {
        return call(JsseSettings::getSupportedProtocols);
    }

    @Override
    public String[] getEnabledProtocols() {
        return call(JsseSettings::getEnabledProtocols);
    }

    @Override
    public void setEnabledProtocols(String[] protocols) {
        run(s -> s.setEnabledProtocols(protocols));
    }

    @Override
    public boolean getUseClientMode() {
        return call(JsseSettings::getUseClientMode);
    }

    @Override
    public void setUseClientMode(boolean mode) {
        run(s -> s.setUseClientMode(mode));
    }

    @Override
    public boolean getNeedClientAuth() {
        return call(JsseSettings::getNeedClientAuth);
    }

    @Override
    public void setNeedClientAuth(boolean need) {
        run(s -> s.setNeedClientAuth(need));
    }

    @Override
    public boolean getWantClientAuth() {
        return call(JsseSettings::getWantClientAuth);
    }

    @Override
    public void setWantClientAuth(boolean want) {
        run(s -> s.setWantClientAuth(want));
    }

    @Override
    public boolean getEnableSessionCreation() {
        return call(JsseSettings::getEnableSessionCreation);
    }

    @Override
    public void setEnableSessionCreation(boolean flag) {
        run(s -> s.setEnableSessionCreation(flag));
    }

    @Override
    public SSLParameters getSSLParameters() {
        return call(JsseSettings::getSSLParameters);
    }

    @Override
    public void setSSLParameters(SSLParameters params) {
        run(s -> s.setSSLParameters(params));
    }
}
