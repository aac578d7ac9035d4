// MQTT 5 properties: typed access with presence, so "absent" and "zero" stay distinct.
#pragma once

#include <QByteArray>
#include <QList>
#include <utility>

namespace drover::mqtt {

using UserProperty = std::pair<QByteArray, QByteArray>;
using UserProperties = QList<UserProperty>;

class Properties
{
public:
    // Property identifiers (spec 2.2.2.2). Wire values.
    enum Id : quint8 {
        PayloadFormatIndicator = 0x01,          // byte
        MessageExpiryInterval = 0x02,           // four byte integer
        ContentType = 0x03,                     // UTF-8 string
        ResponseTopic = 0x08,                   // UTF-8 string
        CorrelationData = 0x09,                 // binary
        SubscriptionIdentifier = 0x0B,          // variable byte integer, may repeat in PUBLISH
        SessionExpiryInterval = 0x11,           // four byte integer
        AssignedClientIdentifier = 0x12,        // UTF-8 string
        ServerKeepAlive = 0x13,                 // two byte integer
        AuthenticationMethod = 0x15,            // UTF-8 string
        AuthenticationData = 0x16,              // binary
        RequestProblemInformation = 0x17,       // byte
        WillDelayInterval = 0x18,               // four byte integer
        RequestResponseInformation = 0x19,      // byte
        ResponseInformation = 0x1A,             // UTF-8 string
        ServerReference = 0x1C,                 // UTF-8 string
        ReasonString = 0x1F,                    // UTF-8 string
        ReceiveMaximum = 0x21,                  // two byte integer
        TopicAliasMaximum = 0x22,               // two byte integer
        TopicAlias = 0x23,                      // two byte integer
        MaximumQoS = 0x24,                      // byte
        RetainAvailable = 0x25,                 // byte
        UserProperty = 0x26,                    // UTF-8 string pair, may repeat
        MaximumPacketSize = 0x27,               // four byte integer
        WildcardSubscriptionAvailable = 0x28,   // byte
        SubscriptionIdentifierAvailable = 0x29, // byte
        SharedSubscriptionAvailable = 0x2A,     // byte
    };

    bool isEmpty() const
    {
        return m_present == 0 && m_userProperties.isEmpty() && m_subscriptionIds.isEmpty();
    }
    bool has(Id id) const;
    void clear(Id id);

    // Byte, two byte, four byte and variable byte integer properties (not SubscriptionIdentifier).
    quint32 integer(Id id, quint32 defaultValue = 0) const;
    void setInteger(Id id, quint32 value);

    // UTF-8 string and binary properties (not UserProperty).
    QByteArray bytes(Id id) const;
    void setBytes(Id id, const QByteArray &value);

    // Zero or more subscription identifiers (PUBLISH may carry several, SUBSCRIBE at most one).
    const QList<quint32> &subscriptionIdentifiers() const { return m_subscriptionIds; }
    void addSubscriptionIdentifier(quint32 id) { m_subscriptionIds.append(id); }

    // User properties keep their order and may repeat a name (spec 3.3.2.3.7).
    const UserProperties &userProperties() const { return m_userProperties; }
    void addUserProperty(const QByteArray &name, const QByteArray &value)
    {
        m_userProperties.append({name, value});
    }
    // The value of the first user property called name, or a null QByteArray.
    QByteArray userProperty(const QByteArray &name) const;

    // Convenience accessors for the properties the gateway reads most.
    QByteArray contentType() const { return bytes(ContentType); }
    QByteArray reasonString() const { return bytes(ReasonString); }

    // Identifiers present, in ascending order (excluding UserProperty and SubscriptionIdentifier).
    QList<Id> presentIds() const;

    bool operator==(const Properties &other) const;
    bool operator!=(const Properties &other) const { return !(*this == other); }

private:
    static int slotOf(Id id);

    quint64 m_present = 0;                    // bit per Id
    quint32 m_integers[0x2B] = {};            // indexed by Id, integer typed ids only
    QList<std::pair<Id, QByteArray>> m_bytes; // string and binary ids, at most one per id
    QList<quint32> m_subscriptionIds;
    UserProperties m_userProperties;
};

} // namespace drover::mqtt
