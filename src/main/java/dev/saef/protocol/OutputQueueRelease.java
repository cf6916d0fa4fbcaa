package dev.saef.protocol;

/**
 * Lets {@link TlsConnection} give back the array behind Bouncy Castle's outgoing record queue
 * (the protected {@code TlsProtocol.outputBuffer}), which grows to 32 KiB with the first full-size
 * record and would otherwise stay that size for the life of the connection.
 */
interface OutputQueueRelease {

    /** Drops the outgoing queue's array; called only when the queue is empty. */
    void releaseOutputQueue();
}
