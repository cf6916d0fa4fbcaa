package dev.saef.config;

/**
 * JMX view of one {@link ReloadingKeyManager}, registered as
 * {@code dev.saef:type=Associations,name="<table file>",id=<n>} in the platform MBean server while
 * {@value SaefProperties#RELOAD} is not {@code off}. No attribute or result contains key material.
 */
public interface AssociationsMBean {

    /** @return the association table file (or the first configured file) */
    String getSource();

    /** @return {@code WATCH} or {@code MANUAL} */
    String getMode();

    /** @return when the running configuration was loaded (ISO-8601) */
    String getLoadedAt();

    /** @return how many associations the running configuration has */
    int getAssociationCount();

    /** @return why the last reload failed ({@code file:line: cause}), or empty after a good one */
    String getLastError();

    /** @return how many unknown identities the running configuration remembers (bounded; emptied by a reload) */
    int getUnknownIdentitiesCached();

    /** @return how many reloads succeeded */
    long getReloadCount();

    /**
     * Loads the files again; an invalid file keeps the running configuration.
     *
     * @return {@code "reloaded: <n> associations"}, or {@code "failed, still running the previous
     *     configuration: <cause>"}
     */
    String reload();
}
