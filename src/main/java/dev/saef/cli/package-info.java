/**
 * The {@code saef} command ({@code java -jar saef-jsse.jar}): {@code demo} (an IN-CSE and two AEs doing
 * the PSK-SAEF of oneM2M TS-0003 clause 8.2.2.1 on loopback, with the originator check of clause 7.2.1),
 * {@code server} and {@code client} (PSK-SAEF counterparts of {@code openssl s_server}/{@code s_client}
 * for interoperability checks), {@code keys} (provisions Kpsa keys into a key store under their KpsaID)
 * and {@code check} (loads a configuration as the provider would and reports what is wrong). Uses the
 * provider only through its public API and JSSE. Internal: not exported by the module.
 */
package dev.saef.cli;
