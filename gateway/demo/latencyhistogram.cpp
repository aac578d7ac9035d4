#include "latencyhistogram.h"

#include <cmath>

namespace drover::demo {

int LatencyHistogram::bucketOf(qint64 microseconds)
{
    if (microseconds <= 1)
        return 0;
    const int bucket = int(std::ceil(std::log2(double(microseconds)) * PerDoubling));
    return std::min(bucket, Buckets - 1);
}

qint64 LatencyHistogram::upperBound(int bucket)
{
    return qint64(std::llround(std::exp2(double(bucket) / PerDoubling)));
}

void LatencyHistogram::record(qint64 microseconds)
{
    ++m_buckets[size_t(bucketOf(microseconds))];
    ++m_count;
    m_max = std::max(m_max, microseconds);
}

void LatencyHistogram::merge(const LatencyHistogram &other)
{
    for (size_t i = 0; i < m_buckets.size(); ++i)
        m_buckets[i] += other.m_buckets[i];
    m_count += other.m_count;
    m_max = std::max(m_max, other.m_max);
}

qint64 LatencyHistogram::percentile(double fraction) const
{
    if (m_count == 0)
        return 0;
    const quint64 rank = std::max<quint64>(1, quint64(std::ceil(fraction * double(m_count))));
    quint64 seen = 0;
    for (size_t i = 0; i < m_buckets.size(); ++i) {
        seen += m_buckets[i];
        if (seen >= rank)
            return std::min(upperBound(int(i)), m_max);
    }
    return m_max;
}

} // namespace drover::demo
