/**
 * A shared key store in PostgreSQL for clusters ({@link dev.saef.keys.jdbc.PostgresKeyStore}): the Kpsa keys of
 * oneM2M TS-0003 clause 8.2.2.1, wrapped with AES key wrap (RFC 5649) under a key derived from the key store password
 * (PBKDF2, RFC 8018), looked up by exact KpsaID, with changes spread to every node by {@code LISTEN}/{@code NOTIFY}.
 * Uses only {@code java.sql}: the PostgreSQL JDBC driver is an optional run-time dependency.
 */
package dev.saef.keys.jdbc;
