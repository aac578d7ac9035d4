#include "properties.h"

#include "propertycodec.h"

#include <algorithm>

namespace drover::mqtt {

namespace {
// QList<T>::operator== of Qt 6.4 memcmp()s trivially comparable elements even when one
// empty list has no storage (a null pointer: undefined behaviour, flagged by UBSan).
template <typename T> bool sameList(const QList<T> &a, const QList<T> &b)
{
    return a.size() == b.size() && (a.isEmpty() || a == b);
}
const PropertyCodec::Info *meta(Properties::Id id)
{
    return PropertyCodec::info(id);
}
bool isIntegerId(Properties::Id id)
{
    const auto *info = meta(id);
    return info && PropertyCodec::isInteger(info->type);
}
bool isBytesId(Properties::Id id)
{
    const auto *info = meta(id);
    return info && (info->type == PropertyCodec::DataType::Utf8String ||
                    info->type == PropertyCodec::DataType::BinaryData);
}
} // namespace

// The bit and array index of an identifier tracked in m_present, or -1 for identifiers the
// spec does not define and for the two list-valued ones.
int Properties::slotOf(Id id)
{
    if (!meta(id) || id == SubscriptionIdentifier || id == UserProperty)
        return -1;
    return int(id);
}

bool Properties::has(Id id) const
{
    if (id == SubscriptionIdentifier)
        return !m_subscriptionIds.isEmpty();
    if (id == UserProperty)
        return !m_userProperties.isEmpty();
    const int slot = slotOf(id);
    return slot >= 0 && (m_present & (quint64(1) << slot));
}

void Properties::clear(Id id)
{
    if (id == SubscriptionIdentifier) {
        m_subscriptionIds.clear();
        return;
    }
    if (id == UserProperty) {
        m_userProperties.clear();
        return;
    }
    const int slot = slotOf(id);
    if (slot < 0)
        return;
    m_present &= ~(quint64(1) << slot);
    m_integers[slot] = 0;
    m_bytes.removeIf([id](const auto &entry) { return entry.first == id; });
}

quint32 Properties::integer(Id id, quint32 defaultValue) const
{
    if (id == SubscriptionIdentifier) // convenience: the first one, as SUBSCRIBE carries at most one
        return m_subscriptionIds.isEmpty() ? defaultValue : m_subscriptionIds.constFirst();
    Q_ASSERT_X(isIntegerId(id), "Properties::integer", "not an integer property");
    if (!isIntegerId(id) || !has(id))
        return defaultValue;
    return m_integers[id];
}

void Properties::setInteger(Id id, quint32 value)
{
    if (id == SubscriptionIdentifier) { // convenience: exactly this one
        m_subscriptionIds = {value};
        return;
    }
    Q_ASSERT_X(isIntegerId(id), "Properties::setInteger", "not an integer property");
    if (!isIntegerId(id))
        return;
    m_present |= quint64(1) << id;
    m_integers[id] = value;
}

QByteArray Properties::bytes(Id id) const
{
    Q_ASSERT_X(isBytesId(id), "Properties::bytes", "not a string or binary property");
    for (const auto &entry : m_bytes) {
        if (entry.first == id)
            return entry.second;
    }
    return QByteArray();
}

void Properties::setBytes(Id id, const QByteArray &value)
{
    Q_ASSERT_X(isBytesId(id), "Properties::setBytes", "not a string or binary property");
    if (!isBytesId(id))
        return;
    m_present |= quint64(1) << id;
    // Kept sorted by id so that equality does not depend on the order of the setters.
    auto it = std::lower_bound(m_bytes.begin(), m_bytes.end(), id,
                               [](const auto &entry, Id key) { return entry.first < key; });
    if (it != m_bytes.end() && it->first == id)
        it->second = value;
    else
        m_bytes.insert(it, {id, value});
}

QByteArray Properties::userProperty(const QByteArray &name) const
{
    for (const auto &[key, value] : m_userProperties) {
        if (key == name)
            return value;
    }
    return QByteArray();
}

QList<Properties::Id> Properties::presentIds() const
{
    QList<Id> ids;
    for (int slot = 0; slot < 64; ++slot) {
        if (m_present & (quint64(1) << slot))
            ids.append(static_cast<Id>(slot));
    }
    return ids;
}

bool Properties::operator==(const Properties &other) const
{
    if (m_present != other.m_present || m_bytes != other.m_bytes ||
        !sameList(m_subscriptionIds, other.m_subscriptionIds) || m_userProperties != other.m_userProperties)
        return false;
    for (int slot = 0; slot < 0x2B; ++slot) {
        if ((m_present & (quint64(1) << slot)) && m_integers[slot] != other.m_integers[slot])
            return false;
    }
    return true;
}

} // namespace drover::mqtt
