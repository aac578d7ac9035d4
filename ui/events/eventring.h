// The console's memory of received events: a bounded ring, oldest out first.
#pragma once

#include "receivedevent.h"

#include <QList>
#include <QString>

#include <memory>
#include <vector>

namespace drover::ui {

// Row 0 is the oldest event. Appending to a full ring evicts the oldest event and counts it,
// so a view can say how many it no longer shows. Every operation but setCapacity() and
// clear() is O(1) (evictOldest(n) is O(n)); storage grows up to the capacity, then is reused.
class EventRing
{
public:
    static constexpr qsizetype DefaultCapacity = 100000;

    // Texts derived from an event when first needed (table preview, filter haystack), kept
    // beside it so they are computed once and leave with it.
    struct Texts {
        QString preview;
        QString search;
    };

    explicit EventRing(qsizetype capacity = DefaultCapacity);

    qsizetype capacity() const { return m_capacity; }
    // Keeps the newest min(size, capacity) events; the others count as evicted. Capacity >= 1.
    // Returns how many were evicted.
    qsizetype setCapacity(qsizetype capacity);

    qsizetype size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    // Events evicted by the bound since construction (clear() does not count: the caller
    // chose to drop those, and counts them itself).
    qint64 evicted() const { return m_evicted; }

    const ReceivedEvent &at(qsizetype row) const { return slot(slotOf(row)).event; }
    // The cache of row's texts; a cache, not part of the value, hence writable on a const ring.
    Texts &texts(qsizetype row) const { return slot(slotOf(row)).texts; }

    // Returns true if the oldest event was evicted to make room.
    bool append(ReceivedEvent event);
    // Evicts the n oldest events now (counted), e.g. so a model can announce the removal
    // before the appends that would have caused it.
    void evictOldest(qsizetype n);
    // Drops every event and frees the storage; evicted() stays.
    void clear();

private:
    struct Slot {
        ReceivedEvent event;
        Texts texts;
    };
    // Slots live in fixed-size chunks allocated as the ring fills: growing never moves the
    // events already held (one big array would copy up to capacity slots at once, a stall
    // of tens of milliseconds at 100 000 events).
    static constexpr qsizetype ChunkSize = 1024;

    qsizetype slotOf(qsizetype row) const
    {
        const qsizetype slot = m_head + row;
        return slot < m_capacity ? slot : slot - m_capacity;
    }
    Slot &slot(qsizetype index) const
    {
        return m_chunks[size_t(index / ChunkSize)][size_t(index % ChunkSize)];
    }
    void reserveSlot(qsizetype index);

    // Until the ring is full, m_head is 0 and row r is slot r, so appends fill the chunks in order.
    mutable std::vector<std::unique_ptr<Slot[]>> m_chunks;
    qsizetype m_capacity;
    qsizetype m_head = 0; // slot of row 0
    qsizetype m_size = 0;
    qint64 m_evicted = 0;
};

} // namespace drover::ui
