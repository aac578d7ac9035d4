// Round-trip times in log-scaled buckets: recording costs one increment, so a load
// generator can time every message, and percentiles come out within a few percent.
#pragma once

#include <QtGlobal>
#include <array>

namespace drover::demo {

class LatencyHistogram
{
public:
    void record(qint64 microseconds);
    void merge(const LatencyHistogram &other);
    void clear() { *this = LatencyHistogram(); }

    quint64 count() const { return m_count; }
    // The value below which `fraction` (0..1) of the samples lie, in microseconds: the
    // upper bound of its bucket. 0 without samples.
    qint64 percentile(double fraction) const;
    qint64 max() const { return m_max; }

private:
    // 8 buckets per doubling from 1 µs: about 9 % wide each, up to ~2^40 µs.
    static constexpr int PerDoubling = 8;
    static constexpr int Buckets = 40 * PerDoubling;
    static int bucketOf(qint64 microseconds);
    static qint64 upperBound(int bucket);

    std::array<quint64, Buckets> m_buckets{};
    quint64 m_count = 0;
    qint64 m_max = 0;
};

} // namespace drover::demo
