#include "eventring.h"

#include <algorithm>

namespace drover::ui {

EventRing::EventRing(qsizetype capacity)
    : m_capacity(std::max<qsizetype>(1, capacity))
{}

qsizetype EventRing::setCapacity(qsizetype capacity)
{
    capacity = std::max<qsizetype>(1, capacity);
    if (capacity == m_capacity)
        return 0;
    const qsizetype keep = std::min(m_size, capacity);
    const qsizetype dropped = m_size - keep;
    // Re-laid out from slot 0, so the invariant of a ring that is not full holds again.
    QList<Slot> slots;
    slots.reserve(keep);
    for (qsizetype row = dropped; row < m_size; ++row)
        slots.append(std::move(m_slots[slotOf(row)]));
    m_slots = std::move(slots);
    m_capacity = capacity;
    m_head = 0;
    m_size = keep;
    m_evicted += dropped;
    return dropped;
}

bool EventRing::append(ReceivedEvent event)
{
    if (m_size == m_capacity) {
        m_slots[m_head] = Slot{std::move(event), {}};
        m_head = m_head + 1 == m_capacity ? 0 : m_head + 1;
        ++m_evicted;
        return true;
    }
    if (m_slots.size() < m_capacity)
        m_slots.append(Slot{std::move(event), {}});
    else
        m_slots[slotOf(m_size)] = Slot{std::move(event), {}};
    ++m_size;
    return false;
}

void EventRing::evictOldest(qsizetype n)
{
    n = std::clamp<qsizetype>(n, 0, m_size);
    for (qsizetype i = 0; i < n; ++i) {
        m_slots[m_head] = Slot{}; // release the payload now, not when the slot is reused
        m_head = m_head + 1 == m_capacity ? 0 : m_head + 1;
    }
    m_size -= n;
    m_evicted += n;
}

void EventRing::clear()
{
    m_slots = QList<Slot>(); // clear() would keep the allocation of up to capacity slots
    m_head = 0;
    m_size = 0;
}

} // namespace drover::ui
