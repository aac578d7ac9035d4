// JsonLinesExporter: every line one structured CloudEvent that reads back as the event.
#include "cloudevents/jsonformat.h"
#include "events/eventfilterproxy.h"
#include "events/eventmodel.h"
#include "events/jsonlinesexporter.h"
#include "eventtestutil.h"

#include <QBuffer>
#include <QJsonDocument>
#include <QJsonObject>
#include <QStandardItemModel>
#include <QTest>

using namespace drover::ui;
using drover::cloudevents::JsonFormat;
using drover::ui::test::connectionEvent;
using drover::ui::test::makeEvent;
using drover::ui::test::stateEvent;

namespace {

// A device that takes `accept` bytes, then fails every write.
class FailingDevice : public QIODevice
{
public:
    explicit FailingDevice(qint64 accept)
        : m_accept(accept)
    {
        open(QIODevice::WriteOnly);
    }
    QByteArray written;

protected:
    qint64 readData(char *, qint64) override { return -1; }
    qint64 writeData(const char *data, qint64 size) override
    {
        if (written.size() + size > m_accept) {
            setErrorString(QStringLiteral("disk full"));
            return -1;
        }
        written.append(data, size);
        return size;
    }

private:
    qint64 m_accept;
};

QList<ReceivedEvent> sampleEvents()
{
    QList<ReceivedEvent> events;
    for (qint64 i = 0; i < 20; ++i)
        events.append(stateEvent("device-" + QByteArray::number(i % 2 + 1), i));
    events.append(connectionEvent("device-1", 20, false));
    events.append(makeEvent("device-2", 21, "log", "line one\nline \"two\"", "text/plain"));
    QByteArray bytes;
    for (int b = 0; b < 256; ++b)
        bytes.append(char(b));
    events.append(makeEvent("device-1", 22, "blob", bytes, "application/octet-stream"));
    ReceivedEvent extended = stateEvent("device-2", 23);
    extended.event.extensions.append(std::pair<QByteArray, QByteArray>("traceparent", "00-abc-def-01"));
    extended.event.dataSchema = "https://example.com/schema";
    extended.binaryMode = true;
    events.append(extended);
    return events;
}

QList<QByteArray> linesOf(const QByteArray &output)
{
    QList<QByteArray> lines = output.split('\n');
    if (!lines.isEmpty() && lines.last().isEmpty())
        lines.removeLast(); // the last line ends in '\n' too
    return lines;
}

// The line is the event: as JSON (attributes, data in the right member) and through the parser.
bool lineIsEvent(const QByteArray &line, const ReceivedEvent &event)
{
    QJsonParseError error;
    const QJsonDocument document = QJsonDocument::fromJson(line, &error);
    if (error.error != QJsonParseError::NoError || !document.isObject()) {
        qWarning("not a JSON object: %s", line.constData());
        return false;
    }
    const QJsonObject object = document.object();
    const auto string = [&object](const char *name) {
        return object.value(QLatin1String(name)).toString().toUtf8();
    };
    const auto &e = event.event;
    bool ok = string("specversion") == "1.0" && string("id") == e.id && string("type") == e.type &&
              string("source") == e.source && string("subject") == e.subject &&
              string("time") == e.timeString() && string("datacontenttype") == e.dataContentType &&
              string("application") == e.application && string("device") == e.device &&
              string("sender") == e.sender && string("partitionkey") == e.partitionKey &&
              string("instance") == e.instance && !object.contains(QLatin1String("received"));
    for (const auto &[name, value] : e.extensions)
        ok = ok && string(name.constData()) == value;
    if (e.dataContentType == "application/json") {
        ok = ok && object.value(QLatin1String("data")).toObject() == QJsonDocument::fromJson(e.data).object();
    } else if (e.dataContentType.startsWith("text/")) {
        ok = ok && string("data") == e.data;
    } else {
        ok = ok && QByteArray::fromBase64(string("data_base64")) == e.data &&
             !object.contains(QLatin1String("data"));
    }
    const auto parsed = JsonFormat::parse(line);
    ok = ok && parsed && *parsed == e;
    if (!ok)
        qWarning("line does not match event %s: %s", e.id.constData(), line.constData());
    return ok;
}

} // namespace

class TestJsonLinesExporter : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void eventsRoundTrip();
    void wholeModel();
    void filteredRows();
    void emptyModelWritesNothing();
    void deviceNotOpen();
    void writeFailureCountsWhatWasWritten();
    void foreignModelIsAnError();
};

void TestJsonLinesExporter::eventsRoundTrip()
{
    const QList<ReceivedEvent> events = sampleEvents();
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    const JsonLinesExporter::Result result = JsonLinesExporter::write(events, &buffer);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.written, events.size());
    const QList<QByteArray> lines = linesOf(buffer.data());
    QCOMPARE(lines.size(), events.size());
    QVERIFY(buffer.data().endsWith('\n'));
    for (qsizetype i = 0; i < events.size(); ++i)
        QVERIFY(lineIsEvent(lines[i], events[i]));
    QCOMPARE(JsonLinesExporter::line(events[0]), JsonFormat::serialize(events[0].event) + '\n');
}

void TestJsonLinesExporter::wholeModel()
{
    const QList<ReceivedEvent> events = sampleEvents();
    EventModel model;
    for (const ReceivedEvent &event : events)
        model.append(event);
    model.flush();
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    const JsonLinesExporter::Result result = JsonLinesExporter::write(model, &buffer);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.written, events.size());
    const QList<QByteArray> lines = linesOf(buffer.data());
    QCOMPARE(lines.size(), events.size());
    for (qsizetype i = 0; i < events.size(); ++i)
        QVERIFY(lineIsEvent(lines[i], events[i]));
}

void TestJsonLinesExporter::filteredRows()
{
    const QList<ReceivedEvent> events = sampleEvents();
    EventModel model;
    for (const ReceivedEvent &event : events)
        model.append(event);
    model.flush();
    EventFilterProxy proxy;
    proxy.setSourceModel(&model);
    proxy.setDevice(QStringLiteral("device-2"));

    QList<ReceivedEvent> expected;
    for (const ReceivedEvent &event : events) {
        if (event.event.device == "device-2")
            expected.append(event);
    }
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    const JsonLinesExporter::Result result = JsonLinesExporter::write(proxy, &buffer);
    QVERIFY2(result.ok(), qPrintable(result.error));
    QCOMPARE(result.written, expected.size());
    const QList<QByteArray> lines = linesOf(buffer.data());
    QCOMPARE(lines.size(), expected.size());
    for (qsizetype i = 0; i < expected.size(); ++i)
        QVERIFY(lineIsEvent(lines[i], expected[i]));
}

void TestJsonLinesExporter::emptyModelWritesNothing()
{
    EventModel model;
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    const JsonLinesExporter::Result result = JsonLinesExporter::write(model, &buffer);
    QVERIFY(result.ok());
    QCOMPARE(result.written, 0);
    QVERIFY(buffer.data().isEmpty());
}

void TestJsonLinesExporter::deviceNotOpen()
{
    QBuffer buffer;
    JsonLinesExporter::Result result = JsonLinesExporter::write(sampleEvents(), &buffer);
    QVERIFY(!result.ok());
    QCOMPARE(result.written, 0);
    buffer.open(QIODevice::ReadOnly);
    result = JsonLinesExporter::write(sampleEvents(), &buffer);
    QVERIFY(!result.ok());
    result = JsonLinesExporter::write(sampleEvents(), nullptr);
    QVERIFY(!result.ok());
}

void TestJsonLinesExporter::writeFailureCountsWhatWasWritten()
{
    // Enough lines for several chunks; the device fails part-way.
    QList<ReceivedEvent> events;
    for (qint64 i = 0; i < 5000; ++i)
        events.append(stateEvent("device-1", i));
    FailingDevice device(600 * 1024);
    const JsonLinesExporter::Result result = JsonLinesExporter::write(events, &device);
    QVERIFY(!result.ok());
    QCOMPARE(result.error, QStringLiteral("disk full"));
    QVERIFY(result.written > 0);
    QVERIFY(result.written < events.size());
    // The count is exactly the complete lines the device took.
    QCOMPARE(result.written, device.written.count('\n'));
    QVERIFY(device.written.endsWith('\n'));
}

void TestJsonLinesExporter::foreignModelIsAnError()
{
    QStandardItemModel model(3, 1);
    QBuffer buffer;
    buffer.open(QIODevice::WriteOnly);
    const JsonLinesExporter::Result result = JsonLinesExporter::write(model, &buffer);
    QVERIFY(!result.ok());
    QCOMPARE(result.written, 0);
}

QTEST_GUILESS_MAIN(TestJsonLinesExporter)
#include "tst_jsonlinesexporter.moc"
