package dev.saef.config;

/**
 * How a running provider picks up changes to its association table and key store
 * ({@value SaefProperties#RELOAD}); see {@link ReloadingKeyManager}.
 */
public enum ReloadMode {
    /** The files are watched (file system events, and a periodic check); JMX {@code reload()} works too. */
    WATCH,
    /** Only an explicit reload: JMX {@code reload()} or {@link ReloadingKeyManager#reload()}. */
    MANUAL,
    /** Loaded once at start; changes need a restart. */
    OFF
}
