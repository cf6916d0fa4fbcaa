package dev.saef.crypto;

import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * A fixed number of slots holding record-sized arrays ({@link RecordBuffers#RECORD_CAPACITY}
 * octets), lock-free (one compare-and-set per take or put) and never blocking: an empty pool gives a
 * new array, a full pool drops what is put back. The one mechanism behind {@link RecordBuffers} (zeroed
 * buffers that may hold plaintext) and {@link RecordScratch} (wire data only); each keeps its own
 * instance so the two kinds never mix. It zeroes nothing: its owners decide what must be zeroed.
 */
final class BufferSlots {

    private final AtomicReferenceArray<byte[]> slots =
            new AtomicReferenceArray<>(Math.max(8, 4 * Runtime.getRuntime().availableProcessors()));

    /** @return how many arrays the pool keeps at most */
    int length() {
        return slots.length();
    }

    /** @return the array in slot {@code i}, or null (for tests that inspect the pool) */
    byte[] peek(int i) {
        return slots.get(i);
    }

    /** @return a pooled array, or a new one of {@link RecordBuffers#RECORD_CAPACITY} octets */
    byte[] take() {
        int n = slots.length();
        int start = (int) (Thread.currentThread().getId() % n);
        for (int i = 0; i < n; i++) {
            int slot = (start + i) % n;
            byte[] b = slots.get(slot);
            if (b != null && slots.compareAndSet(slot, b, null)) {
                return b;
            }
        }
        return new byte[RecordBuffers.RECORD_CAPACITY];
    }

    /** Keeps {@code b} for a later {@link #take} when it has the pooled size and a slot is free. */
    void put(byte[] b) {
        if (b.length != RecordBuffers.RECORD_CAPACITY) {
            return;
        }
        int n = slots.length();
        int start = (int) (Thread.currentThread().getId() % n);
        for (int i = 0; i < n; i++) {
            int slot = (start + i) % n;
            if (slots.get(slot) == null && slots.compareAndSet(slot, null, b)) {
                return;
            }
        }
    }
}
