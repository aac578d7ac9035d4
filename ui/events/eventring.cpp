#include "eventring.h"

#include <algorithm>

namespace drover::ui {

EventRing::EventRing(qsizetype capacity)
    : m_capacity(std::max<qsizetype>(1, capacity))
{}

void EventRing::reserveSlot(qsizetype index)
{
    while (qsizetype(m_chunks.size()) * ChunkSize <= index)
        m_chunks.push_back(std::make_unique<Slot[]>(size_t(ChunkSize)));
}

qsizetype EventRing::setCapacity(qsizetype capacity)
{
    capacity = std::max<qsizetype>(1, capacity);
    if (capacity == m_capacity)
        return 0;
    const qsizetype keep = std::min(m_size, capacity);
    const qsizetype dropped = m_size - keep;
    // Re-laid out from slot 0, so the invariant of a ring that is not full holds again.
    std::vector<std::unique_ptr<Slot[]>> chunks;
    for (qsizetype row = dropped, index = 0; row < m_size; ++row, ++index) {
        if (qsizetype(chunks.size()) * ChunkSize <= index)
            chunks.push_back(std::make_unique<Slot[]>(size_t(ChunkSize)));
        chunks[size_t(index / ChunkSize)][size_t(index % ChunkSize)] = std::move(slot(slotOf(row)));
    }
    m_chunks = std::move(chunks);
    m_capacity = capacity;
    m_head = 0;
    m_size = keep;
    m_evicted += dropped;
    return dropped;
}

bool EventRing::append(ReceivedEvent event)
{
    if (m_size == m_capacity) {
        slot(m_head) = Slot{std::move(event), {}};
        m_head = m_head + 1 == m_capacity ? 0 : m_head + 1;
        ++m_evicted;
        return true;
    }
    const qsizetype index = slotOf(m_size);
    reserveSlot(index);
    slot(index) = Slot{std::move(event), {}};
    ++m_size;
    return false;
}

void EventRing::evictOldest(qsizetype n)
{
    n = std::clamp<qsizetype>(n, 0, m_size);
    for (qsizetype i = 0; i < n; ++i) {
        slot(m_head) = Slot{}; // release the payload now, not when the slot is reused
        m_head = m_head + 1 == m_capacity ? 0 : m_head + 1;
    }
    m_size -= n;
    m_evicted += n;
}

void EventRing::clear()
{
    m_chunks.clear(); // frees the storage of up to capacity slots
    m_head = 0;
    m_size = 0;
}

} // namespace drover::ui
