// MQTT reason codes: one wire enum for v5, mapped to v3.1.1 codes in one place each.
#pragma once

#include <QtGlobal>

namespace drover::mqtt {

// MQTT 5 reason codes (spec 2.4). Values are the wire values. v3.1.1 packets carry
// the same meaning through the mapping functions below.
enum class ReasonCode : quint8 {
    Success = 0x00, // also Normal disconnection, Granted QoS 0
    GrantedQoS1 = 0x01,
    GrantedQoS2 = 0x02,
    DisconnectWithWill = 0x04,
    NoMatchingSubscribers = 0x10,
    NoSubscriptionExisted = 0x11,
    ContinueAuthentication = 0x18,
    ReAuthenticate = 0x19,
    UnspecifiedError = 0x80,
    MalformedPacket = 0x81,
    ProtocolError = 0x82,
    ImplementationSpecificError = 0x83,
    UnsupportedProtocolVersion = 0x84,
    ClientIdentifierNotValid = 0x85,
    BadUserNameOrPassword = 0x86,
    NotAuthorized = 0x87,
    ServerUnavailable = 0x88,
    ServerBusy = 0x89,
    Banned = 0x8A,
    ServerShuttingDown = 0x8B,
    BadAuthenticationMethod = 0x8C,
    KeepAliveTimeout = 0x8D,
    SessionTakenOver = 0x8E,
    TopicFilterInvalid = 0x8F,
    TopicNameInvalid = 0x90,
    PacketIdentifierInUse = 0x91,
    PacketIdentifierNotFound = 0x92,
    ReceiveMaximumExceeded = 0x93,
    TopicAliasInvalid = 0x94,
    PacketTooLarge = 0x95,
    MessageRateTooHigh = 0x96,
    QuotaExceeded = 0x97,
    AdministrativeAction = 0x98,
    PayloadFormatInvalid = 0x99,
    RetainNotSupported = 0x9A,
    QoSNotSupported = 0x9B,
    UseAnotherServer = 0x9C,
    ServerMoved = 0x9D,
    SharedSubscriptionsNotSupported = 0x9E,
    ConnectionRateExceeded = 0x9F,
    MaximumConnectTime = 0xA0,
    SubscriptionIdentifiersNotSupported = 0xA1,
    WildcardSubscriptionsNotSupported = 0xA2,
};

// v3.1.1 CONNACK return codes (spec 3.1.1, 3.2.2.3).
enum class ConnackReturnCodeV3 : quint8 {
    Accepted = 0,
    UnacceptableProtocolVersion = 1,
    IdentifierRejected = 2,
    ServerUnavailable = 3,
    BadUserNameOrPassword = 4,
    NotAuthorized = 5,
};

inline bool isError(ReasonCode code)
{
    return static_cast<quint8>(code) >= 0x80;
}

// Human readable name of a reason code, e.g. "Topic Name invalid" (spec wording).
const char *reasonCodeName(ReasonCode code);

// The v3.1.1 CONNACK return code that best carries a v5 CONNACK reason.
ConnackReturnCodeV3 toV3ConnackCode(ReasonCode code);
// The v5 reason code a v3.1.1 CONNACK return code stands for (client side decoding).
ReasonCode fromV3ConnackCode(ConnackReturnCodeV3 code);

} // namespace drover::mqtt
