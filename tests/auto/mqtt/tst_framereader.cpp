// FrameReader: framing of arbitrary splits, the remaining length rules, the size limit
// checked before buffering, sticky errors and linear behaviour on many small packets.
#include "mqtttestutil.h"

#include "mqtt/framereader.h"

#include <QElapsedTimer>
#include <QRandomGenerator>
#include <QtTest>

using namespace drover::mqtt;
using namespace drover::mqtt::test;

namespace {
struct Collected {
    PacketType type;
    quint8 flags;
    QByteArray body;
    quint32 totalSize;
    bool operator==(const Collected &o) const
    {
        return type == o.type && flags == o.flags && body == o.body && totalSize == o.totalSize;
    }
};

// Reads every available frame, copying the bodies (the views die on the next call).
FrameReader::Result drain(FrameReader &reader, QList<Collected> &out, DecodeError &error)
{
    Frame frame;
    FrameReader::Result result;
    while ((result = reader.next(frame, error)) == FrameReader::Result::Frame)
        out.append({frame.type, frame.flags, frame.body.toByteArray(), frame.totalSize});
    return result;
}

QByteArray sampleStream()
{
    QByteArray stream;
    stream += hex("c0 00");                                // PINGREQ
    stream += packet(0x32, "0003 612f62 0001 68656c6c6f"); // PUBLISH QoS 1
    stream += packet(0x30, QByteArray(200, 'x'));          // 2-byte remaining length
    stream += hex("62 02 0001");                           // PUBREL
    stream += packet(0x30, QByteArray(20000, 'y'));        // 3-byte remaining length
    stream += hex("e0 00");                                // DISCONNECT
    return stream;
}

QList<Collected> expectedFrames()
{
    return {
        {PacketType::Pingreq, 0, QByteArray(), 2},
        {PacketType::Publish, 2, hex("0003 612f62 0001 68656c6c6f"), 14},
        {PacketType::Publish, 0, QByteArray(200, 'x'), 203},
        {PacketType::Pubrel, 2, hex("0001"), 4},
        {PacketType::Publish, 0, QByteArray(20000, 'y'), 20004},
        {PacketType::Disconnect, 0, QByteArray(), 2},
    };
}
} // namespace

class TestFrameReader : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void emptyReaderNeedsMore();
    void wholeStreamAtOnce();
    void byteByByte();
    void randomSplits_data();
    void randomSplits();
    void remainingLengthBoundaries_data();
    void remainingLengthBoundaries();
    void largestRemainingLengthIsNotAnError();
    void fifthLengthByteRefusedImmediately();
    void packetTypeZeroRefused();
    void tooLargeRefusedBeforeTheBody();
    void exactlyAtTheLimitAccepted();
    void limitCanBeChanged();
    void errorIsSticky();
    void bodyViewIsValidUntilNextCall();
    void manySmallPacketsStayLinear();
};

void TestFrameReader::emptyReaderNeedsMore()
{
    FrameReader reader;
    Frame frame;
    DecodeError error;
    QCOMPARE(reader.next(frame, error), FrameReader::Result::NeedMore);
    reader.append(hex("30"));
    QCOMPARE(reader.next(frame, error), FrameReader::Result::NeedMore);
    reader.append(hex("02 00"));
    QCOMPARE(reader.next(frame, error), FrameReader::Result::NeedMore);
    QCOMPARE(reader.bufferedBytes(), 3);
}

void TestFrameReader::wholeStreamAtOnce()
{
    FrameReader reader;
    reader.append(sampleStream());
    QList<Collected> frames;
    DecodeError error;
    QCOMPARE(drain(reader, frames, error), FrameReader::Result::NeedMore);
    QCOMPARE(frames, expectedFrames());
    QCOMPARE(reader.bufferedBytes(), 0);
}

void TestFrameReader::byteByByte()
{
    const QByteArray stream = sampleStream();
    FrameReader reader;
    QList<Collected> frames;
    DecodeError error;
    for (char byte : stream) {
        reader.append(QByteArrayView(&byte, 1));
        QCOMPARE(drain(reader, frames, error), FrameReader::Result::NeedMore);
    }
    QCOMPARE(frames, expectedFrames());
    QCOMPARE(reader.bufferedBytes(), 0);
}

void TestFrameReader::randomSplits_data()
{
    QTest::addColumn<quint32>("seed");
    for (quint32 seed = 1; seed <= 20; ++seed)
        QTest::addRow("seed %u", seed) << seed;
}

void TestFrameReader::randomSplits()
{
    QFETCH(quint32, seed);
    QRandomGenerator random(seed);
    QByteArray stream;
    for (int i = 0; i < 5; ++i)
        stream += sampleStream();
    QList<Collected> expected;
    for (int i = 0; i < 5; ++i)
        expected += expectedFrames();

    FrameReader reader;
    QList<Collected> frames;
    DecodeError error;
    for (qsizetype pos = 0; pos < stream.size();) {
        const qsizetype chunk =
            qMin(stream.size() - pos, qsizetype(1 + random.bounded(random.bounded(2) ? 8 : 30000)));
        reader.append(QByteArrayView(stream).sliced(pos, chunk));
        pos += chunk;
        QCOMPARE(drain(reader, frames, error), FrameReader::Result::NeedMore);
    }
    QCOMPARE(frames.size(), expected.size());
    QCOMPARE(frames, expected);
}

void TestFrameReader::remainingLengthBoundaries_data()
{
    QTest::addColumn<int>("length");
    QTest::addColumn<QByteArray>("encoded");
    // Spec 1.5.5, Table 1-1: the boundaries of 1, 2, 3 and 4 byte lengths.
    QTest::newRow("0") << 0 << hex("00");
    QTest::newRow("127") << 127 << hex("7f");
    QTest::newRow("128") << 128 << hex("8001");
    QTest::newRow("16383") << 16383 << hex("ff7f");
    QTest::newRow("16384") << 16384 << hex("808001");
    QTest::newRow("2097151") << 2097151 << hex("ffff7f");
    QTest::newRow("2097152") << 2097152 << hex("80808001");
}

void TestFrameReader::remainingLengthBoundaries()
{
    QFETCH(int, length);
    QFETCH(QByteArray, encoded);
    const QByteArray body(length, 'b');
    FrameReader reader;
    reader.append(QByteArray(hex("30") + encoded));
    Frame frame;
    DecodeError error;
    const auto expectedFirst = length == 0 ? FrameReader::Result::Frame : FrameReader::Result::NeedMore;
    QCOMPARE(reader.next(frame, error), expectedFirst);
    if (length == 0) {
        QCOMPARE(frame.body.size(), 0);
        QCOMPARE(frame.totalSize, 2u);
        return;
    }
    reader.append(body.first(length - 1));
    QCOMPARE(reader.next(frame, error), FrameReader::Result::NeedMore);
    reader.append(body.last(1));
    QCOMPARE(reader.next(frame, error), FrameReader::Result::Frame);
    QCOMPARE(frame.body.size(), length);
    QCOMPARE(frame.totalSize, quint32(1 + encoded.size() + length));
    QVERIFY(frame.body == body);
}

void TestFrameReader::largestRemainingLengthIsNotAnError()
{
    // 268,435,455 = ff ff ff 7f: allowed by the default limit, so the reader waits.
    FrameReader reader;
    reader.append(hex("30 ff ff ff 7f 00 01 61"));
    Frame frame;
    DecodeError error;
    QCOMPARE(reader.next(frame, error), FrameReader::Result::NeedMore);
    QCOMPARE(reader.maximumPacketSize(), 268435460u);
}

void TestFrameReader::fifthLengthByteRefusedImmediately()
{
    FrameReader reader;
    reader.append(hex("30 ff ff ff"));
    Frame frame;
    DecodeError error;
    QCOMPARE(reader.next(frame, error), FrameReader::Result::NeedMore);
    // The fourth byte has its continuation bit: refused without waiting for a fifth.
    reader.append(hex("ff"));
    QCOMPARE(reader.next(frame, error), FrameReader::Result::Error);
    QCOMPARE(error.reasonCode, ReasonCode::MalformedPacket);
    QVERIFY(!error.message.isEmpty());

    FrameReader minimal;
    minimal.append(hex("c0 80 80 80 80 00"));
    QCOMPARE(minimal.next(frame, error), FrameReader::Result::Error);
    QCOMPARE(error.reasonCode, ReasonCode::MalformedPacket);
}

void TestFrameReader::packetTypeZeroRefused()
{
    FrameReader reader;
    reader.append(hex("00"));
    Frame frame;
    DecodeError error;
    QCOMPARE(reader.next(frame, error), FrameReader::Result::Error);
    QCOMPARE(error.reasonCode, ReasonCode::MalformedPacket);

    FrameReader afterValid;
    afterValid.append(hex("c0 00 0f 00"));
    QCOMPARE(afterValid.next(frame, error), FrameReader::Result::Frame);
    QCOMPARE(afterValid.next(frame, error), FrameReader::Result::Error);
    QCOMPARE(error.reasonCode, ReasonCode::MalformedPacket);
}

void TestFrameReader::tooLargeRefusedBeforeTheBody()
{
    FrameReader reader(100);
    // Remaining length 16384: total 1 + 3 + 16384 > 100, known after the header alone.
    reader.append(hex("30 80 80 01"));
    Frame frame;
    DecodeError error;
    QCOMPARE(reader.next(frame, error), FrameReader::Result::Error);
    QCOMPARE(error.reasonCode, ReasonCode::PacketTooLarge);
    QCOMPARE(reader.bufferedBytes(), 0); // nothing kept for a dead stream

    FrameReader huge(1024 * 1024);
    huge.append(hex("30 ff ff ff 7f"));
    QCOMPARE(huge.next(frame, error), FrameReader::Result::Error);
    QCOMPARE(error.reasonCode, ReasonCode::PacketTooLarge);
}

void TestFrameReader::exactlyAtTheLimitAccepted()
{
    FrameReader reader(10);
    reader.append(packet(0x30, "0001 61 6263646566")); // 2 + 8 = 10 bytes
    reader.append(packet(0x30, "0001 61 626364656667"));
    Frame frame;
    DecodeError error;
    QCOMPARE(reader.next(frame, error), FrameReader::Result::Frame);
    QCOMPARE(frame.totalSize, 10u);
    QCOMPARE(reader.next(frame, error), FrameReader::Result::Error); // 11 bytes
    QCOMPARE(error.reasonCode, ReasonCode::PacketTooLarge);
}

void TestFrameReader::limitCanBeChanged()
{
    FrameReader reader;
    reader.setMaximumPacketSize(4);
    QCOMPARE(reader.maximumPacketSize(), 4u);
    reader.append(hex("40 02 00 01 40 03 00 01 00"));
    Frame frame;
    DecodeError error;
    QCOMPARE(reader.next(frame, error), FrameReader::Result::Frame);
    QCOMPARE(reader.next(frame, error), FrameReader::Result::Error);
    QCOMPARE(error.reasonCode, ReasonCode::PacketTooLarge);
}

void TestFrameReader::errorIsSticky()
{
    FrameReader reader;
    reader.append(hex("00"));
    Frame frame;
    DecodeError error;
    QCOMPARE(reader.next(frame, error), FrameReader::Result::Error);
    const QByteArray first = error.message;
    reader.append(hex("c0 00"));
    DecodeError again;
    QCOMPARE(reader.next(frame, again), FrameReader::Result::Error);
    QCOMPARE(again.reasonCode, ReasonCode::MalformedPacket);
    QCOMPARE(again.message, first);
    QCOMPARE(reader.next(frame, again), FrameReader::Result::Error);
}

void TestFrameReader::bodyViewIsValidUntilNextCall()
{
    FrameReader reader;
    reader.append(QByteArray(packet(0x30, "0001 61 7878") + hex("c0")));
    Frame frame;
    DecodeError error;
    QCOMPARE(reader.next(frame, error), FrameReader::Result::Frame);
    QCOMPARE(frame.type, PacketType::Publish);
    QCOMPARE(frame.body.toByteArray(), hex("0001 61 7878"));
    QCOMPARE(reader.bufferedBytes(), 1);
    QCOMPARE(reader.next(frame, error), FrameReader::Result::NeedMore);
}

void TestFrameReader::manySmallPacketsStayLinear()
{
    // 200,000 PUBACKs, once appended all at once and once in 3-byte pieces never aligned
    // with packets. Removing each consumed frame from the front of the buffer would be
    // quadratic (about 10^11 bytes moved for the first case).
    const int count = 200000;
    QByteArray stream;
    stream.reserve(count * 4);
    for (int i = 0; i < count; ++i)
        stream += hex("40 02") + QByteArray(1, char((i >> 8) | 1)) + QByteArray(1, char(i));

    for (qsizetype piece : {stream.size(), qsizetype(3)}) {
        QElapsedTimer timer;
        timer.start();
        FrameReader reader;
        Frame frame;
        DecodeError error;
        int frames = 0;
        for (qsizetype pos = 0; pos < stream.size(); pos += piece) {
            reader.append(QByteArrayView(stream).sliced(pos, qMin(piece, stream.size() - pos)));
            while (reader.next(frame, error) == FrameReader::Result::Frame) {
                if (frame.body.size() != 2 || frame.type != PacketType::Puback)
                    QFAIL("wrong frame");
                ++frames;
            }
        }
        QCOMPARE(frames, count);
        QCOMPARE(reader.bufferedBytes(), 0);
        QVERIFY2(timer.elapsed() < 20000, "framing many small packets took too long");
    }
}

QTEST_APPLESS_MAIN(TestFrameReader)
#include "tst_framereader.moc"
