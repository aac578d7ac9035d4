// EncodedEvent and decodeMqttMessage: what subscribers receive in each content mode.
#include "cloudevents/jsonformat.h"
#include "cloudevents/mqttbinding.h"
#include "mqtt/framereader.h"
#include "mqtt/packetdecoder.h"
#include "mqtt/packetencoder.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QTest>

using namespace drover::cloudevents;
using drover::mqtt::Properties;

using Pairs = QList<std::pair<QByteArray, QByteArray>>;

namespace {

CloudEvent sampleEvent(QByteArray contentType = QByteArrayLiteral("application/json"),
                       QByteArray data = QByteArrayLiteral("{\"t\":21.5}"))
{
    CloudEvent e;
    e.id = QByteArrayLiteral("8d3c1c0e-0f51-4d0c-9b1d-2f6f0e4c9a77");
    e.source = QByteArrayLiteral("drogue://app1/dev1");
    e.subject = QByteArrayLiteral("temp");
    e.time = QDateTime(QDate(2026, 11, 25), QTime(12, 0, 0, 123), Qt::UTC);
    e.dataContentType = std::move(contentType);
    e.application = QByteArrayLiteral("app1");
    e.device = QByteArrayLiteral("dev1");
    e.sender = QByteArrayLiteral("gw1");
    e.partitionKey = QByteArrayLiteral("app1/gw1");
    e.instance = QByteArrayLiteral("drover");
    e.extensions = {{QByteArrayLiteral("lorawanport"), QByteArrayLiteral("7")}};
    e.data = std::move(data);
    return e;
}

// An MQTT v5 property block read independently of the codec (spec 2.2.2.2): only the
// properties the binding may write are accepted, anything else fails the parse.
struct Block {
    QList<int> ids;
    QByteArray contentType;
    bool hasContentType = false;
    int payloadFormat = -1;
    Pairs userProperties;
};

bool parseBlock(const QByteArray &bytes, Block &block)
{
    qsizetype pos = 0;
    const auto readString = [&](QByteArray &out) {
        if (pos + 2 > bytes.size())
            return false;
        const int length = (quint8(bytes[pos]) << 8) | quint8(bytes[pos + 1]);
        pos += 2;
        if (pos + length > bytes.size())
            return false;
        out = bytes.mid(pos, length);
        pos += length;
        return true;
    };
    while (pos < bytes.size()) {
        const int id = quint8(bytes[pos++]);
        block.ids.append(id);
        switch (id) {
        case Properties::PayloadFormatIndicator:
            if (pos >= bytes.size())
                return false;
            block.payloadFormat = quint8(bytes[pos++]);
            break;
        case Properties::ContentType:
            block.hasContentType = true;
            if (!readString(block.contentType))
                return false;
            break;
        case Properties::UserProperty: {
            QByteArray name;
            QByteArray value;
            if (!readString(name) || !readString(value))
                return false;
            block.userProperties.append({name, value});
            break;
        }
        default:
            return false;
        }
    }
    return true;
}

Properties toProperties(const Block &block)
{
    Properties properties;
    if (block.hasContentType)
        properties.setBytes(Properties::ContentType, block.contentType);
    if (block.payloadFormat >= 0)
        properties.setInteger(Properties::PayloadFormatIndicator, quint32(block.payloadFormat));
    for (const auto &[name, value] : block.userProperties)
        properties.addUserProperty(name, value);
    return properties;
}

bool mqttStringOk(const QByteArray &s)
{
    return s.size() <= 65535 && !s.contains('\0') && QByteArrayView(s).isValidUtf8();
}

} // namespace

class TestMqttBinding : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void structuredMode();
    void binaryMode();
    void binaryWithoutContentType();
    void binarySanitisesStrings();
    void memorySizeGrowsWithPayload();
    void decodeRoundTrip_data();
    void decodeRoundTrip();
    void decodeBinaryDetails();
    void decodeBinaryErrors_data();
    void decodeBinaryErrors();
    void decodeStructuredError();
    void throughTheCodec_data();
    void throughTheCodec();
};

void TestMqttBinding::structuredMode()
{
    const CloudEvent event = sampleEvent();
    const EncodedEvent encoded(event);
    QCOMPARE(encoded.event(), event);
    QCOMPARE(encoded.payload(ContentMode::Structured), JsonFormat::serialize(event));
    QVERIFY(QJsonDocument::fromJson(encoded.payload(ContentMode::Structured)).isObject());

    Block block;
    QVERIFY(parseBlock(encoded.propertyBlock(ContentMode::Structured), block));
    QVERIFY(block.hasContentType);
    QCOMPARE(block.contentType, QByteArray("application/cloudevents+json; charset=utf-8"));
    QCOMPARE(block.payloadFormat, 1);
    QVERIFY(block.userProperties.isEmpty());
    QCOMPARE(block.ids.size(), 2);

    // The same block for every event, held once.
    const EncodedEvent other(sampleEvent("text/plain", "x"));
    QCOMPARE(other.propertyBlock(ContentMode::Structured), encoded.propertyBlock(ContentMode::Structured));
    QCOMPARE(other.propertyBlock(ContentMode::Structured).constData(),
             encoded.propertyBlock(ContentMode::Structured).constData());
}

void TestMqttBinding::binaryMode()
{
    const CloudEvent event = sampleEvent("text/plain; charset=utf-8", "21.5");
    const EncodedEvent encoded(event);

    // The payload is the data itself, not a copy.
    QCOMPARE(encoded.payload(ContentMode::Binary), QByteArray("21.5"));
    QCOMPARE(encoded.payload(ContentMode::Binary).constData(), encoded.event().data.constData());

    Block block;
    QVERIFY(parseBlock(encoded.propertyBlock(ContentMode::Binary), block));
    QVERIFY(block.hasContentType);
    QCOMPARE(block.contentType, QByteArray("text/plain; charset=utf-8"));
    QCOMPARE(block.payloadFormat, -1); // as Drogue: no payload format indicator
    const Pairs expected = {
        {"specversion", "1.0"},
        {"id", "8d3c1c0e-0f51-4d0c-9b1d-2f6f0e4c9a77"},
        {"type", "io.drogue.event.v1"},
        {"source", "drogue://app1/dev1"},
        {"subject", "temp"},
        {"time", "2026-11-25T12:00:00.123000Z"},
        {"application", "app1"},
        {"device", "dev1"},
        {"sender", "gw1"},
        {"partitionkey", "app1/gw1"},
        {"instance", "drover"},
        {"lorawanport", "7"},
    };
    QCOMPARE(block.userProperties, expected);
    QCOMPARE(block.userProperties, event.attributes());
}

void TestMqttBinding::binaryWithoutContentType()
{
    const EncodedEvent encoded(sampleEvent(QByteArray(), QByteArray()));
    Block block;
    QVERIFY(parseBlock(encoded.propertyBlock(ContentMode::Binary), block));
    QVERIFY(!block.hasContentType);
    QVERIFY(!block.ids.contains(Properties::ContentType));
    QCOMPARE(block.userProperties.size(), 12);
    QVERIFY(encoded.payload(ContentMode::Binary).isEmpty());
}

void TestMqttBinding::binarySanitisesStrings()
{
    CloudEvent event = sampleEvent("text/\xFFplain", "x");
    event.device = QByteArray("dev\0ice\xC0", 8);
    QByteArray longSubject;
    for (int i = 0; i < 40000; ++i)
        longSubject += "\xC3\xA9"; // 80000 bytes of é
    event.subject = longSubject;
    const EncodedEvent encoded(event);

    Block block;
    QVERIFY(parseBlock(encoded.propertyBlock(ContentMode::Binary), block));
    QVERIFY(mqttStringOk(block.contentType));
    QCOMPARE(block.contentType, QByteArray("text/\xEF\xBF\xBDplain"));
    for (const auto &[name, value] : std::as_const(block.userProperties)) {
        QVERIFY2(mqttStringOk(name), name.constData());
        QVERIFY2(mqttStringOk(value), name.constData());
    }
    const Pairs &props = block.userProperties;
    const auto valueOf = [&props](const char *name) {
        for (const auto &[n, v] : props) {
            if (n == name)
                return v;
        }
        return QByteArray("<missing>");
    };
    QCOMPARE(valueOf("device"), QByteArray("dev\xEF\xBF\xBDice\xEF\xBF\xBD"));
    const QByteArray subject = valueOf("subject");
    QCOMPARE(subject.size(), 65534); // cut before the character that would not fit
    QVERIFY(longSubject.startsWith(subject));
    // The event itself is left as it was.
    QCOMPARE(encoded.event().device, event.device);
}

void TestMqttBinding::memorySizeGrowsWithPayload()
{
    const EncodedEvent small(sampleEvent("application/octet-stream", QByteArray(10, 'x')));
    const EncodedEvent large(sampleEvent("application/octet-stream", QByteArray(100000, 'x')));
    QVERIFY(small.memorySize() > 0);
    QVERIFY(small.memorySize() >= small.payload(ContentMode::Structured).size());
    // The data and its base64 form in the structured payload.
    QVERIFY(large.memorySize() - small.memorySize() >= 100000 + 4 * 100000 / 3 - 100);
}

void TestMqttBinding::decodeRoundTrip_data()
{
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("data");
    QTest::addColumn<bool>("binary");

    for (const bool binary : {false, true}) {
        const char *mode = binary ? "binary" : "structured";
        QTest::addRow("%s json", mode)
            << QByteArray("application/json") << QByteArray("{\"a\":[1,\"b\"]}") << binary;
        QTest::addRow("%s text", mode) << QByteArray("text/plain") << QByteArray("hi\n\"there\"") << binary;
        QTest::addRow("%s bytes", mode)
            << QByteArray("application/octet-stream") << QByteArray("\x00\xFF\x7F", 3) << binary;
        QTest::addRow("%s empty", mode) << QByteArray() << QByteArray() << binary;
    }
}

void TestMqttBinding::decodeRoundTrip()
{
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, data);
    QFETCH(bool, binary);
    const ContentMode mode = binary ? ContentMode::Binary : ContentMode::Structured;

    CloudEvent event = sampleEvent(contentType, data);
    event.dataSchema = "urn:schema"; // binary mode carries it too (Drogue drops it)
    const EncodedEvent encoded(event);
    Block block;
    QVERIFY(parseBlock(encoded.propertyBlock(mode), block));
    QByteArray error;
    const auto decoded = decodeMqttMessage(encoded.payload(mode), toProperties(block), &error);
    QVERIFY2(decoded, error.constData());
    QCOMPARE(*decoded, event);
}

void TestMqttBinding::decodeBinaryDetails()
{
    Properties properties;
    properties.setBytes(Properties::ContentType, "text/plain");
    properties.addUserProperty("content-mode", "binary"); // not an attribute: ignored
    properties.addUserProperty("specversion", "1.0");
    properties.addUserProperty("id", "first");
    properties.addUserProperty("id", "second"); // repeated: the first counts
    properties.addUserProperty("source", "s");
    properties.addUserProperty("type", "t");
    properties.addUserProperty("datacontenttype", "ignored/because-property-set");
    properties.addUserProperty("applicationuid", "u-1");
    properties.addUserProperty("Upper", "ignored");
    QByteArray error;
    const auto event = decodeMqttMessage("payload", properties, &error);
    QVERIFY2(event, error.constData());
    QCOMPARE(event->id, QByteArray("first"));
    QCOMPARE(event->dataContentType, QByteArray("text/plain"));
    QCOMPARE(event->data, QByteArray("payload"));
    QVERIFY(!event->time.isValid());
    QCOMPARE(event->extensions, (Pairs{{"applicationuid", "u-1"}}));

    // Without the Content Type property a datacontenttype user property is used.
    Properties noContentType;
    for (const auto &[name, value] : properties.userProperties())
        noContentType.addUserProperty(name, value);
    const auto second = decodeMqttMessage("payload", noContentType);
    QVERIFY(second);
    QCOMPARE(second->dataContentType, QByteArray("ignored/because-property-set"));
}

void TestMqttBinding::decodeBinaryErrors_data()
{
    QTest::addColumn<Pairs>("userProperties");
    const Pairs ok = {{"specversion", "1.0"}, {"id", "i"}, {"source", "s"}, {"type", "t"}};
    QTest::newRow("old specversion") << Pairs{
        {"specversion", "0.3"}, {"id", "i"}, {"source", "s"}, {"type", "t"}};
    QTest::newRow("missing id") << Pairs{ok[0], ok[2], ok[3]};
    QTest::newRow("missing source") << Pairs{ok[0], ok[1], ok[3]};
    QTest::newRow("missing type") << ok.mid(0, 3);
    QTest::newRow("empty type") << Pairs{ok[0], ok[1], ok[2], {"type", ""}};
    QTest::newRow("bad time") << Pairs(ok) + Pairs{{"time", "2026-11-25"}};
}

void TestMqttBinding::decodeBinaryErrors()
{
    QFETCH(Pairs, userProperties);
    Properties properties;
    for (const auto &[name, value] : userProperties)
        properties.addUserProperty(name, value);
    QByteArray error;
    QVERIFY(!decodeMqttMessage("x", properties, &error));
    QVERIFY(!error.isEmpty());
}

void TestMqttBinding::decodeStructuredError()
{
    // No specversion user property: structured, so the payload must be an event.
    Properties properties;
    properties.addUserProperty("id", "i");
    QByteArray error;
    QVERIFY(!decodeMqttMessage("{\"not\":\"an event\"}", properties, &error));
    QVERIFY(!error.isEmpty());
    QVERIFY(!decodeMqttMessage("not json", Properties()));
}

void TestMqttBinding::throughTheCodec_data()
{
    QTest::addColumn<bool>("binary");
    QTest::newRow("structured") << false;
    QTest::newRow("binary") << true;
}

void TestMqttBinding::throughTheCodec()
{
    // The pre-encoded blocks spliced into a real PUBLISH must decode with the codec's own
    // decoder and give the event back.
    using namespace drover::mqtt;
    QFETCH(bool, binary);
    const ContentMode mode = binary ? ContentMode::Binary : ContentMode::Structured;
    const CloudEvent event = sampleEvent("application/json", "{\"v\":[1,2,3]}");
    const EncodedEvent encoded(event);

    QByteArray wire;
    PacketEncoder::PublishHead head;
    head.topic = "app/app1";
    head.qos = QoS::AtLeastOnce;
    head.packetId = 7;
    head.subscriptionId = 3;
    PacketEncoder::appendPublish(wire, ProtocolVersion::V5, head, encoded.propertyBlock(mode),
                                 encoded.payload(mode));

    FrameReader reader;
    reader.append(wire);
    Frame frame;
    DecodeError decodeError;
    QCOMPARE(reader.next(frame, decodeError), FrameReader::Result::Frame);
    Packet packet;
    QVERIFY2(PacketDecoder::decode(frame, ProtocolVersion::V5, packet, decodeError),
             decodeError.message.constData());
    QVERIFY(std::holds_alternative<PublishPacket>(packet));
    const auto &publish = std::get<PublishPacket>(packet);
    QCOMPARE(publish.topic, QByteArray("app/app1"));
    QCOMPARE(publish.properties.subscriptionIdentifiers(), QList<quint32>{3});
    QCOMPARE(publish.properties.contentType(),
             binary ? QByteArray("application/json")
                    : QByteArray("application/cloudevents+json; charset=utf-8"));
    QCOMPARE(publish.properties.has(Properties::PayloadFormatIndicator), !binary);
    if (binary)
        QCOMPARE(publish.properties.userProperties(), event.attributes());

    QByteArray error;
    const auto decoded = decodeMqttMessage(publish.payload, publish.properties, &error);
    QVERIFY2(decoded, error.constData());
    QCOMPARE(*decoded, event);
}

QTEST_APPLESS_MAIN(TestMqttBinding)
#include "tst_mqttbinding.moc"
