#include "reasoncode.h"

namespace drover::mqtt {

const char *reasonCodeName(ReasonCode code)
{
    // Spec 2.4, Table 2-6. 0x00 reads "Success" although DISCONNECT calls it "Normal
    // disconnection" and SUBACK "Granted QoS 0".
    switch (code) {
    case ReasonCode::Success:
        return "Success";
    case ReasonCode::GrantedQoS1:
        return "Granted QoS 1";
    case ReasonCode::GrantedQoS2:
        return "Granted QoS 2";
    case ReasonCode::DisconnectWithWill:
        return "Disconnect with Will Message";
    case ReasonCode::NoMatchingSubscribers:
        return "No matching subscribers";
    case ReasonCode::NoSubscriptionExisted:
        return "No subscription existed";
    case ReasonCode::ContinueAuthentication:
        return "Continue authentication";
    case ReasonCode::ReAuthenticate:
        return "Re-authenticate";
    case ReasonCode::UnspecifiedError:
        return "Unspecified error";
    case ReasonCode::MalformedPacket:
        return "Malformed Packet";
    case ReasonCode::ProtocolError:
        return "Protocol Error";
    case ReasonCode::ImplementationSpecificError:
        return "Implementation specific error";
    case ReasonCode::UnsupportedProtocolVersion:
        return "Unsupported Protocol Version";
    case ReasonCode::ClientIdentifierNotValid:
        return "Client Identifier not valid";
    case ReasonCode::BadUserNameOrPassword:
        return "Bad User Name or Password";
    case ReasonCode::NotAuthorized:
        return "Not authorized";
    case ReasonCode::ServerUnavailable:
        return "Server unavailable";
    case ReasonCode::ServerBusy:
        return "Server busy";
    case ReasonCode::Banned:
        return "Banned";
    case ReasonCode::ServerShuttingDown:
        return "Server shutting down";
    case ReasonCode::BadAuthenticationMethod:
        return "Bad authentication method";
    case ReasonCode::KeepAliveTimeout:
        return "Keep Alive timeout";
    case ReasonCode::SessionTakenOver:
        return "Session taken over";
    case ReasonCode::TopicFilterInvalid:
        return "Topic Filter invalid";
    case ReasonCode::TopicNameInvalid:
        return "Topic Name invalid";
    case ReasonCode::PacketIdentifierInUse:
        return "Packet Identifier in use";
    case ReasonCode::PacketIdentifierNotFound:
        return "Packet Identifier not found";
    case ReasonCode::ReceiveMaximumExceeded:
        return "Receive Maximum exceeded";
    case ReasonCode::TopicAliasInvalid:
        return "Topic Alias invalid";
    case ReasonCode::PacketTooLarge:
        return "Packet too large";
    case ReasonCode::MessageRateTooHigh:
        return "Message rate too high";
    case ReasonCode::QuotaExceeded:
        return "Quota exceeded";
    case ReasonCode::AdministrativeAction:
        return "Administrative action";
    case ReasonCode::PayloadFormatInvalid:
        return "Payload format invalid";
    case ReasonCode::RetainNotSupported:
        return "Retain not supported";
    case ReasonCode::QoSNotSupported:
        return "QoS not supported";
    case ReasonCode::UseAnotherServer:
        return "Use another server";
    case ReasonCode::ServerMoved:
        return "Server moved";
    case ReasonCode::SharedSubscriptionsNotSupported:
        return "Shared Subscriptions not supported";
    case ReasonCode::ConnectionRateExceeded:
        return "Connection rate exceeded";
    case ReasonCode::MaximumConnectTime:
        return "Maximum connect time";
    case ReasonCode::SubscriptionIdentifiersNotSupported:
        return "Subscription Identifiers not supported";
    case ReasonCode::WildcardSubscriptionsNotSupported:
        return "Wildcard Subscriptions not supported";
    }
    return "Unknown reason code";
}

ConnackReturnCodeV3 toV3ConnackCode(ReasonCode code)
{
    // 3.1.1 has six return codes (spec 3.1.1, 3.2.2.3). Conditions that say "try later or
    // elsewhere" become Server unavailable; every other refusal, including reasons that
    // blame the client's packet, becomes Not authorized: the connection is refused either
    // way and 3.1.1 has nothing closer. Note that for a malformed CONNECT a 3.1.1 server
    // should rather close without a CONNACK (3.1.1 MQTT-3.2.2-6).
    switch (code) {
    case ReasonCode::Success:
        return ConnackReturnCodeV3::Accepted;
    case ReasonCode::UnsupportedProtocolVersion:
        return ConnackReturnCodeV3::UnacceptableProtocolVersion;
    case ReasonCode::ClientIdentifierNotValid:
        return ConnackReturnCodeV3::IdentifierRejected;
    case ReasonCode::ServerUnavailable:
    case ReasonCode::ServerBusy:
    case ReasonCode::ServerShuttingDown:
    case ReasonCode::QuotaExceeded:
    case ReasonCode::UseAnotherServer:
    case ReasonCode::ServerMoved:
    case ReasonCode::ConnectionRateExceeded:
        return ConnackReturnCodeV3::ServerUnavailable;
    case ReasonCode::BadUserNameOrPassword:
    case ReasonCode::BadAuthenticationMethod:
        return ConnackReturnCodeV3::BadUserNameOrPassword;
    default:
        return ConnackReturnCodeV3::NotAuthorized; // NotAuthorized, Banned and the rest
    }
}

ReasonCode fromV3ConnackCode(ConnackReturnCodeV3 code)
{
    switch (code) {
    case ConnackReturnCodeV3::Accepted:
        return ReasonCode::Success;
    case ConnackReturnCodeV3::UnacceptableProtocolVersion:
        return ReasonCode::UnsupportedProtocolVersion;
    case ConnackReturnCodeV3::IdentifierRejected:
        return ReasonCode::ClientIdentifierNotValid;
    case ConnackReturnCodeV3::ServerUnavailable:
        return ReasonCode::ServerUnavailable;
    case ConnackReturnCodeV3::BadUserNameOrPassword:
        return ReasonCode::BadUserNameOrPassword;
    case ConnackReturnCodeV3::NotAuthorized:
        return ReasonCode::NotAuthorized;
    }
    return ReasonCode::UnspecifiedError; // reserved values 6-255
}

} // namespace drover::mqtt
