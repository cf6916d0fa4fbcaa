package dev.saef.config;

import java.security.GeneralSecurityException;

/**
 * A PSK-SAEF configuration cannot be used: a bad system property, association table line or key
 * store (the Credential and Association Configuration of oneM2M TS-0003 clause 8.2.2.1). The message
 * names the property or {@code file:line}, says what is wrong and how to fix it, and never contains
 * key material.
 */
public final class SaefConfigException extends GeneralSecurityException {

    private static final long serialVersionUID = 1L;

    /** @param message what is wrong, where, and the fix */
    public SaefConfigException(String message) {
        super(message);
    }

    /**
     * @param message what is wrong, where, and the fix
     * @param cause the underlying failure (must not carry key material in its message)
     */
    public SaefConfigException(String message, Throwable cause) {
        super(message, cause);
    }
}
