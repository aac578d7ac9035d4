// DeviceEventFactory: Drogue's attributes and content type rules for device data.
#include "cloudevents/deviceeventfactory.h"

#include <QTest>
#include <QUuid>

using namespace drover::cloudevents;

class TestDeviceEventFactory : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void attributes();
    void senderDefaultsToDevice();
    void percentEncodedNames();
    void customType();
    void freshIds();
    void contentType_data();
    void contentType();
    void rejectionWithoutErrorPointer();
};

namespace {

DeviceMessage message(QByteArray payload = QByteArrayLiteral("{\"t\":1}"), QByteArray contentType = {})
{
    DeviceMessage m;
    m.application = QByteArrayLiteral("app1");
    m.device = QByteArrayLiteral("dev1");
    m.sender = QByteArrayLiteral("gw1");
    m.channel = QByteArrayLiteral("sensors/temp");
    m.payload = std::move(payload);
    m.contentType = std::move(contentType);
    return m;
}

} // namespace

void TestDeviceEventFactory::attributes()
{
    const DeviceEventFactory factory(QByteArrayLiteral("drover-1"));
    QCOMPARE(factory.instance(), QByteArray("drover-1"));

    const QDateTime before = QDateTime::currentDateTimeUtc();
    QByteArray error = "untouched";
    const auto event = factory.create(message(), &error);
    const QDateTime after = QDateTime::currentDateTimeUtc();
    QVERIFY(event);
    QCOMPARE(error, QByteArray("untouched"));

    QCOMPARE(event->source, QByteArray("drogue://app1/dev1"));
    QCOMPARE(event->type, QByteArray("io.drogue.event.v1"));
    QCOMPARE(event->subject, QByteArray("sensors/temp"));
    QCOMPARE(event->dataContentType, QByteArray("application/json"));
    QVERIFY(event->dataSchema.isEmpty());
    QCOMPARE(event->application, QByteArray("app1"));
    QCOMPARE(event->device, QByteArray("dev1"));
    QCOMPARE(event->sender, QByteArray("gw1"));
    QCOMPARE(event->partitionKey, QByteArray("app1/gw1"));
    QCOMPARE(event->instance, QByteArray("drover-1"));
    QVERIFY(event->extensions.isEmpty());
    QCOMPARE(event->data, QByteArray("{\"t\":1}"));

    QCOMPARE(event->time.timeSpec(), Qt::UTC);
    QVERIFY(event->time >= before);
    QVERIFY(event->time <= after);

    const QUuid id = QUuid::fromString(QLatin1String(event->id));
    QVERIFY(!id.isNull());
    QCOMPARE(event->id.size(), 36); // no braces
    QVERIFY(!event->id.startsWith('{'));
    QCOMPARE(id.version(), QUuid::Random);
}

void TestDeviceEventFactory::senderDefaultsToDevice()
{
    const DeviceEventFactory factory(QByteArrayLiteral("i"));
    DeviceMessage m = message();
    m.sender.clear();
    const auto event = factory.create(m);
    QVERIFY(event);
    QCOMPARE(event->sender, QByteArray("dev1"));
    QCOMPARE(event->partitionKey, QByteArray("app1/dev1"));
}

void TestDeviceEventFactory::percentEncodedNames()
{
    const DeviceEventFactory factory(QByteArrayLiteral("i"));
    DeviceMessage m = message();
    m.application = QByteArrayLiteral("my-app");
    m.device = QByteArrayLiteral("my-dev/1 \xC3\xA9");
    m.sender = QByteArrayLiteral("gw/a");
    const auto event = factory.create(m);
    QVERIFY(event);
    QCOMPARE(event->source, QByteArray("drogue://my-app/my-dev%2F1%20%C3%A9"));
    QCOMPARE(event->partitionKey, QByteArray("my-app/gw%2Fa"));
    // The extensions keep the names themselves.
    QCOMPARE(event->device, QByteArray("my-dev/1 \xC3\xA9"));
    QCOMPARE(event->sender, QByteArray("gw/a"));
}

void TestDeviceEventFactory::customType()
{
    const DeviceEventFactory factory(QByteArrayLiteral("i"));
    DeviceMessage m = message(QByteArrayLiteral("{\"connected\":true}"));
    m.channel = QByteArrayLiteral("connection");
    const auto event = factory.create(m, QByteArray(CloudEvent::ConnectionEventType));
    QVERIFY(event);
    QCOMPARE(event->type, QByteArray("io.drogue.connection.v1"));
    QCOMPARE(event->subject, QByteArray("connection"));

    QByteArray error;
    QVERIFY(!factory.create(message(QByteArrayLiteral("{"), QByteArrayLiteral("application/json")),
                            QByteArray(CloudEvent::ConnectionEventType), &error));
    QVERIFY(!error.isEmpty());
}

void TestDeviceEventFactory::freshIds()
{
    const DeviceEventFactory factory(QByteArrayLiteral("i"));
    const auto a = factory.create(message());
    const auto b = factory.create(message());
    QVERIFY(a && b);
    QVERIFY(a->id != b->id);
}

void TestDeviceEventFactory::contentType_data()
{
    QTest::addColumn<QByteArray>("declared");
    QTest::addColumn<QByteArray>("payload");
    QTest::addColumn<bool>("accepted");
    QTest::addColumn<QByteArray>("expected"); // datacontenttype, or the error message

    QTest::newRow("none, json object")
        << QByteArray() << QByteArray("{\"a\":1}") << true << QByteArray("application/json");
    QTest::newRow("none, json scalar")
        << QByteArray() << QByteArray("42") << true << QByteArray("application/json");
    QTest::newRow("none, json string")
        << QByteArray() << QByteArray("\"on\"") << true << QByteArray("application/json");
    QTest::newRow("none, json with ws")
        << QByteArray() << QByteArray(" [1]\n") << true << QByteArray("application/json");
    QTest::newRow("none, text") << QByteArray() << QByteArray("hello") << true
                                << QByteArray("application/octet-stream");
    QTest::newRow("none, binary") << QByteArray() << QByteArray("\x00\xFF\x10", 3) << true
                                  << QByteArray("application/octet-stream");
    QTest::newRow("none, empty") << QByteArray() << QByteArray() << true
                                 << QByteArray("application/octet-stream");
    QTest::newRow("none, broken json")
        << QByteArray() << QByteArray("{\"a\":}") << true << QByteArray("application/octet-stream");

    QTest::newRow("json, valid") << QByteArray("application/json") << QByteArray("{\"a\":1}") << true
                                 << QByteArray("application/json");
    QTest::newRow("json charset, scalar")
        << QByteArray("application/json; charset=utf-8") << QByteArray("true") << true
        << QByteArray("application/json; charset=utf-8");
    QTest::newRow("+json, valid") << QByteArray("application/senml+json") << QByteArray("[{\"v\":1}]") << true
                                  << QByteArray("application/senml+json");
    QTest::newRow("json, invalid") << QByteArray("application/json") << QByteArray("{\"a\":}") << false
                                   << QByteArray(
                                          "payload is not valid JSON for content type application/json");
    QTest::newRow("text/json, invalid") << QByteArray("text/json") << QByteArray("hello") << false
                                        << QByteArray("payload is not valid JSON for content type text/json");
    QTest::newRow("+json, empty") << QByteArray("application/x+json") << QByteArray() << false
                                  << QByteArray(
                                         "payload is not valid JSON for content type application/x+json");
    QTest::newRow("JSON upper, invalid")
        << QByteArray("APPLICATION/JSON") << QByteArray("NaN") << false
        << QByteArray("payload is not valid JSON for content type APPLICATION/JSON");

    QTest::newRow("text/plain passes")
        << QByteArray("text/plain") << QByteArray("{\"a\":1}") << true << QByteArray("text/plain");
    QTest::newRow("octet-stream passes") << QByteArray("application/octet-stream") << QByteArray("\xFF")
                                         << true << QByteArray("application/octet-stream");
    QTest::newRow("json-seq passes") << QByteArray("application/json-seq") << QByteArray("\x1E{}\n") << true
                                     << QByteArray("application/json-seq");
}

void TestDeviceEventFactory::contentType()
{
    QFETCH(QByteArray, declared);
    QFETCH(QByteArray, payload);
    QFETCH(bool, accepted);
    QFETCH(QByteArray, expected);

    const DeviceEventFactory factory(QByteArrayLiteral("i"));
    QByteArray error;
    const auto event = factory.create(message(payload, declared), &error);
    QCOMPARE(bool(event), accepted);
    if (accepted) {
        QCOMPARE(event->dataContentType, expected);
        QCOMPARE(event->data, payload); // byte for byte, never trimmed or re-encoded
        QVERIFY(error.isEmpty());
    } else {
        QCOMPARE(error, expected);
    }
}

void TestDeviceEventFactory::rejectionWithoutErrorPointer()
{
    const DeviceEventFactory factory(QByteArrayLiteral("i"));
    QVERIFY(!factory.create(message(QByteArrayLiteral("nope"), QByteArrayLiteral("application/json"))));
}

QTEST_APPLESS_MAIN(TestDeviceEventFactory)
#include "tst_deviceeventfactory.moc"
