// libFuzzer target: arbitrary bytes through FrameReader + PacketDecoder for MQTT 3.1.1
// and 5. Every packet that decodes must encode, frame and decode again to an equal packet
// with the same bytes; the result must not depend on how the input is split; the PUBLISH
// hot path must agree with the generic encoder.
#include "mqtt/framereader.h"
#include "mqtt/packetdecoder.h"
#include "mqtt/packetencoder.h"
#include "mqtt/topic.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

using namespace drover::mqtt;

namespace {

// Small enough that absurd remaining lengths are refused at once instead of waited for.
constexpr quint32 kMaximumPacketSize = 1u << 20;

[[noreturn]] void die(const char *what, const QByteArray &detail = QByteArray())
{
    std::fprintf(stderr, "fuzz_packetdecoder: %s %s\n", what, detail.constData());
    std::abort();
}

void check(bool condition, const char *what)
{
    if (!condition)
        die(what);
}

Packet decodeSingle(const QByteArray &bytes, ProtocolVersion version)
{
    FrameReader reader(0xFFFFFFFF);
    reader.append(bytes);
    Frame frame;
    DecodeError error;
    check(reader.next(frame, error) == FrameReader::Result::Frame, "re-encoded packet does not frame");
    check(reader.bufferedBytes() == 0, "re-encoded packet leaves bytes behind");
    check(frame.totalSize == quint32(bytes.size()), "frame size differs from the encoding");
    Packet packet;
    if (!PacketDecoder::decode(frame, version, packet, error))
        die("re-encoded packet does not decode:", error.message);
    return packet;
}

void roundTrip(const Packet &packet, ProtocolVersion connection)
{
    // A CONNECT is encoded for its own version, as it was decoded.
    const auto *connect = std::get_if<ConnectPacket>(&packet);
    const ProtocolVersion version = connect ? connect->version : connection;
    const QByteArray bytes = PacketEncoder::encode(packet, version);
    check(!bytes.isEmpty(), "a decoded packet does not encode");
    check(PacketEncoder::encodedSize(packet, version) == quint32(bytes.size()),
          "encodedSize() differs from encode()");
    const Packet again = decodeSingle(bytes, version);
    check(again == packet, "decode(encode(packet)) differs from packet");
    check(PacketEncoder::encode(again, version) == bytes, "encoding is not stable");

    if (const auto *publish = std::get_if<PublishPacket>(&packet)) {
        // The hot path with the packet's own properties as the shared block.
        PacketEncoder::PublishHead head;
        head.topic = publish->topic;
        head.qos = publish->qos;
        head.dup = publish->dup;
        head.retain = publish->retain;
        head.packetId = publish->packetId;
        const QByteArray block = PacketEncoder::encodeProperties(publish->properties);
        QByteArray hot;
        PacketEncoder::appendPublish(hot, version, head, block, publish->payload);
        check(PacketEncoder::publishSize(version, head, block, publish->payload) == quint32(hot.size()),
              "publishSize() differs from appendPublish()");
        check(decodeSingle(hot, version) == packet, "appendPublish() differs from the packet");
    }
}

struct Outcome {
    std::vector<Packet> packets;
    bool failed = false;
    ReasonCode reason = ReasonCode::Success;
    bool operator==(const Outcome &o) const
    {
        return packets == o.packets && failed == o.failed && reason == o.reason;
    }
};

// Frames and decodes `input` fed in pieces of `piece` bytes, like a connection would: the
// first error (framing or decoding) ends it.
Outcome run(QByteArrayView input, ProtocolVersion version, qsizetype piece, bool verify)
{
    Outcome out;
    FrameReader reader(kMaximumPacketSize);
    qsizetype pos = 0;
    do {
        const qsizetype n = qMin(piece, input.size() - pos);
        reader.append(input.sliced(pos, n));
        pos += n;
        Frame frame;
        DecodeError error;
        FrameReader::Result result;
        while ((result = reader.next(frame, error)) == FrameReader::Result::Frame) {
            check(frame.totalSize <= kMaximumPacketSize, "frame over the limit");
            Packet packet;
            if (!PacketDecoder::decode(frame, version, packet, error)) {
                check(isError(error.reasonCode) && !error.message.isEmpty(), "decode error without a reason");
                out.failed = true;
                out.reason = error.reasonCode;
                return out;
            }
            if (verify)
                roundTrip(packet, version);
            out.packets.push_back(std::move(packet));
        }
        if (result == FrameReader::Result::Error) {
            check(isError(error.reasonCode), "framing error without a reason");
            check(reader.next(frame, error) == FrameReader::Result::Error, "framing error is not sticky");
            out.failed = true;
            out.reason = error.reasonCode;
            return out;
        }
    } while (pos < input.size());
    return out;
}

void checkTopics(QByteArrayView input)
{
    const qsizetype half = input.size() / 2;
    const QByteArrayView filter = input.first(half);
    const QByteArrayView topic = input.sliced(half);
    if (isValidUtf8String(input))
        check(isWellFormedUtf8(input), "a valid string is not well-formed UTF-8");
    if (isValidTopicName(topic)) {
        check(topicMatches(topic, topic), "a topic name does not match itself");
        check(topicMatches("#", topic) == (topic.front() != '$'), "'#' disagrees with MQTT-4.7.2-1");
    }
    const bool matches = topicMatches(filter, topic);
    // A filter without wildcards matches exactly the equal name.
    if (isValidTopicName(filter) && isValidTopicName(topic))
        check(matches == (filter == topic), "a wildcard-free filter matches another name");
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArrayView input(reinterpret_cast<const char *>(data), qsizetype(size));
    for (ProtocolVersion version : {ProtocolVersion::V311, ProtocolVersion::V5}) {
        const Outcome whole = run(input, version, qMax<qsizetype>(1, input.size()), true);
        // The split must not matter: one byte at a time for short inputs, a piece size
        // chosen by the input for longer ones.
        const qsizetype piece = input.size() <= 64 ? 1 : 1 + (data[0] % 61);
        check(run(input, version, piece, false) == whole, "the result depends on how the input is split");
    }
    checkTopics(input);
    return 0;
}
