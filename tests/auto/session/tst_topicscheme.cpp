// The integration's topic scheme: SUBSCRIBE filters (accepted forms, delivery topics, group
// ids, matching, refusals with their reason codes) and command topics.
#include "session/topicscheme.h"

#include "cloudevents/cloudevent.h"
#include "mqtt/topic.h"

#include <QTest>

using namespace drover::session;
using drover::cloudevents::CloudEvent;
using drover::mqtt::ReasonCode;

namespace {

// "-" stands for nullopt in the data tables.
const QByteArray Any = QByteArrayLiteral("-");

QByteArray optional(const std::optional<QByteArray> &value)
{
    return value ? *value : Any;
}

CloudEvent makeEvent(const QByteArray &device, const QByteArray &channel)
{
    CloudEvent e;
    e.application = QByteArrayLiteral("demo");
    e.device = device;
    e.sender = device;
    e.subject = channel;
    return e;
}

// The filter as an MQTT filter that a delivery topic must match: without any $share prefix.
QByteArray withoutShare(const QByteArray &filter)
{
    if (!filter.startsWith("$share/") && !filter.startsWith("$shared/"))
        return filter;
    const qsizetype second = filter.indexOf('/', filter.indexOf('/') + 1);
    return filter.mid(second + 1);
}

EventFilter parsed(const QByteArray &filter)
{
    auto result = TopicScheme::parseFilter(filter);
    if (auto *refusal = std::get_if<FilterRefusal>(&result))
        qWarning("'%s' refused: %s", filter.constData(), qPrintable(refusal->message));
    return std::get<EventFilter>(result);
}

} // namespace

class TestTopicScheme : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void acceptedFilter_data();
    void acceptedFilter();
    void groupId_data();
    void groupId();
    void deliveryTopic_data();
    void deliveryTopic();
    void deliveryTopicMatchesFilter_data();
    void deliveryTopicMatchesFilter();
    void matches_data();
    void matches();
    void refusedFilter_data();
    void refusedFilter();
    void commandTopic_data();
    void commandTopic();
    void refusedCommandTopic_data();
    void refusedCommandTopic();
    void appendTopicLevel_data();
    void appendTopicLevel();
};

// ------------------------------------------------------------------ accepted filters

void TestTopicScheme::acceptedFilter_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<QString>("application");
    QTest::addColumn<QString>("sharedGroup");
    QTest::addColumn<bool>("narrow");
    QTest::addColumn<QByteArray>("device");  // "-": any
    QTest::addColumn<QByteArray>("channel"); // "-": any
    QTest::addColumn<bool>("channelLevel");

    const QString demo = QStringLiteral("demo");
    const QString none;
    const QString g = QStringLiteral("g");
    // Whole application, with each prefix.
    QTest::newRow("app/demo") << QByteArray("app/demo") << QByteArray("app") << demo << none << false << Any
                              << Any << false;
    QTest::newRow("a/demo") << QByteArray("a/demo") << QByteArray("a") << demo << none << false << Any << Any
                            << false;
    QTest::newRow("application/demo") << QByteArray("application/demo") << QByteArray("application") << demo
                                      << none << false << Any << Any << false;
    QTest::newRow("non-ascii application")
        << QByteArray("app/d\xc3\xabmo") << QByteArray("app") << QStringLiteral("d\u00ebmo") << none << false
        << Any << Any << false;
    // Narrower: device, channel, wildcards.
    QTest::newRow("one device") << QByteArray("app/demo/dev") << QByteArray("app") << demo << none << true
                                << QByteArray("dev") << Any << false;
    QTest::newRow("any device") << QByteArray("app/demo/+") << QByteArray("app") << demo << none << true
                                << Any << Any << false;
    QTest::newRow("everything below")
        << QByteArray("app/demo/#") << QByteArray("app") << demo << none << true << Any << Any << true;
    QTest::newRow("device and channel") << QByteArray("app/demo/dev/chan") << QByteArray("app") << demo
                                        << none << true << QByteArray("dev") << QByteArray("chan") << true;
    QTest::newRow("any device, one channel") << QByteArray("app/demo/+/chan") << QByteArray("app") << demo
                                             << none << true << Any << QByteArray("chan") << true;
    QTest::newRow("one device, any channel") << QByteArray("app/demo/dev/+") << QByteArray("app") << demo
                                             << none << true << QByteArray("dev") << Any << true;
    QTest::newRow("one device, # channel") << QByteArray("app/demo/dev/#") << QByteArray("app") << demo
                                           << none << true << QByteArray("dev") << Any << true;
    QTest::newRow("+/+") << QByteArray("app/demo/+/+") << QByteArray("app") << demo << none << true << Any
                         << Any << true;
    QTest::newRow("+/#") << QByteArray("app/demo/+/#") << QByteArray("app") << demo << none << true << Any
                         << Any << true;
    QTest::newRow("a/ with device") << QByteArray("a/demo/dev") << QByteArray("a") << demo << none << true
                                    << QByteArray("dev") << Any << false;
    QTest::newRow("application/ with channel")
        << QByteArray("application/demo/+/chan") << QByteArray("application") << demo << none << true << Any
        << QByteArray("chan") << true;
    // Shared.
    QTest::newRow("$share") << QByteArray("$share/g/app/demo") << QByteArray("app") << demo << g << false
                            << Any << Any << false;
    QTest::newRow("$shared (legacy)")
        << QByteArray("$shared/g/app/demo") << QByteArray("app") << demo << g << false << Any << Any << false;
    QTest::newRow("$share a/") << QByteArray("$share/workers/a/demo") << QByteArray("a") << demo
                               << QStringLiteral("workers") << false << Any << Any << false;
    QTest::newRow("$share narrow") << QByteArray("$share/g/app/demo/dev/+") << QByteArray("app") << demo << g
                                   << true << QByteArray("dev") << Any << true;
    QTest::newRow("$share #") << QByteArray("$share/g/application/demo/#") << QByteArray("application")
                              << demo << g << true << Any << Any << true;
    QTest::newRow("$shared narrow") << QByteArray("$shared/g/app/demo/+") << QByteArray("app") << demo << g
                                    << true << Any << Any << false;
}

void TestTopicScheme::acceptedFilter()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, prefix);
    QFETCH(QString, application);
    QFETCH(QString, sharedGroup);
    QFETCH(bool, narrow);
    QFETCH(QByteArray, device);
    QFETCH(QByteArray, channel);
    QFETCH(bool, channelLevel);

    const auto result = TopicScheme::parseFilter(filter);
    if (const auto *refusal = std::get_if<FilterRefusal>(&result))
        QFAIL(qPrintable(
            QStringLiteral("refused (0x%1): %2").arg(int(refusal->reasonCode), 0, 16).arg(refusal->message)));
    const EventFilter &f = std::get<EventFilter>(result);
    QCOMPARE(f.filter, filter);
    QCOMPARE(f.prefix, prefix);
    QCOMPARE(f.application, application);
    QCOMPARE(f.sharedGroup, sharedGroup);
    QCOMPARE(f.narrow, narrow);
    QCOMPARE(optional(f.device), device);
    QCOMPARE(optional(f.channel), channel);
    QCOMPARE(f.channelLevel, channelLevel);
}

// ------------------------------------------------------------------ group ids

void TestTopicScheme::groupId_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QString>("clientId");
    QTest::addColumn<QString>("groupId");

    const QString c = QStringLiteral("client-1");
    QTest::newRow("plain") << QByteArray("app/demo") << c << QStringLiteral("demo.client-1");
    QTest::newRow("a/ alias, same group") << QByteArray("a/demo") << c << QStringLiteral("demo.client-1");
    QTest::newRow("application/ alias")
        << QByteArray("application/demo") << c << QStringLiteral("demo.client-1");
    QTest::newRow("shared") << QByteArray("$share/g/app/demo") << c << QStringLiteral("demo.g");
    QTest::newRow("legacy shared") << QByteArray("$shared/g/app/demo") << c << QStringLiteral("demo.g");
    QTest::newRow("shared, other client")
        << QByteArray("$share/g/app/demo") << QStringLiteral("other") << QStringLiteral("demo.g");
    QTest::newRow("device") << QByteArray("app/demo/dev") << c << QStringLiteral("demo.client-1/dev");
    QTest::newRow("any device") << QByteArray("app/demo/+") << c << QStringLiteral("demo.client-1/+");
    QTest::newRow("#") << QByteArray("app/demo/#") << c << QStringLiteral("demo.client-1/#");
    QTest::newRow("device/channel") << QByteArray("app/demo/dev/chan") << c
                                    << QStringLiteral("demo.client-1/dev/chan");
    QTest::newRow("+/channel") << QByteArray("app/demo/+/chan") << c
                               << QStringLiteral("demo.client-1/+/chan");
    QTest::newRow("device/#") << QByteArray("app/demo/dev/#") << c << QStringLiteral("demo.client-1/dev/#");
    QTest::newRow("shared narrow") << QByteArray("$share/g/app/demo/+/chan") << c
                                   << QStringLiteral("demo.g/+/chan");
}

void TestTopicScheme::groupId()
{
    QFETCH(QByteArray, filter);
    QFETCH(QString, clientId);
    QFETCH(QString, groupId);
    QCOMPARE(parsed(filter).groupId(clientId), groupId);
}

// ------------------------------------------------------------------ delivery topics

void TestTopicScheme::deliveryTopic_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("device");
    QTest::addColumn<QByteArray>("channel");
    QTest::addColumn<QByteArray>("topic");

    QTest::newRow("plain") << QByteArray("app/demo") << QByteArray("dev") << QByteArray("chan")
                           << QByteArray("app/demo");
    QTest::newRow("a/") << QByteArray("a/demo") << QByteArray("dev") << QByteArray("chan")
                        << QByteArray("a/demo");
    QTest::newRow("application/") << QByteArray("application/demo") << QByteArray("dev") << QByteArray("chan")
                                  << QByteArray("application/demo");
    QTest::newRow("shared: without $share") << QByteArray("$share/g/app/demo") << QByteArray("dev")
                                            << QByteArray("chan") << QByteArray("app/demo");
    QTest::newRow("legacy shared") << QByteArray("$shared/group/a/demo") << QByteArray("dev")
                                   << QByteArray("chan") << QByteArray("a/demo");
    QTest::newRow("device") << QByteArray("app/demo/dev") << QByteArray("dev") << QByteArray("chan")
                            << QByteArray("app/demo/dev");
    QTest::newRow("any device") << QByteArray("app/demo/+") << QByteArray("device-7") << QByteArray("chan")
                                << QByteArray("app/demo/device-7");
    QTest::newRow("#: four levels") << QByteArray("app/demo/#") << QByteArray("dev") << QByteArray("chan")
                                    << QByteArray("app/demo/dev/chan");
    QTest::newRow("device/+") << QByteArray("app/demo/dev/+") << QByteArray("dev") << QByteArray("state")
                              << QByteArray("app/demo/dev/state");
    QTest::newRow("+/+ with a/") << QByteArray("a/demo/+/+") << QByteArray("dev") << QByteArray("state")
                                 << QByteArray("a/demo/dev/state");
    QTest::newRow("shared narrow") << QByteArray("$share/g/app/demo/+/+") << QByteArray("dev")
                                   << QByteArray("state") << QByteArray("app/demo/dev/state");
    QTest::newRow("escaped /") << QByteArray("app/demo/+/+") << QByteArray("a/b") << QByteArray("c/d")
                               << QByteArray("app/demo/a%2Fb/c%2Fd");
    QTest::newRow("escaped +") << QByteArray("app/demo/+/+") << QByteArray("a+b") << QByteArray("+")
                               << QByteArray("app/demo/a%2Bb/%2B");
    QTest::newRow("escaped #") << QByteArray("app/demo/#") << QByteArray("#") << QByteArray("c#d")
                               << QByteArray("app/demo/%23/c%23d");
    QTest::newRow("escaped %") << QByteArray("app/demo/+") << QByteArray("50%") << QByteArray("x")
                               << QByteArray("app/demo/50%25");
    QTest::newRow("escaped %2F stays apart from /") << QByteArray("app/demo/+/+") << QByteArray("%2F")
                                                    << QByteArray("/") << QByteArray("app/demo/%252F/%2F");
    QTest::newRow("all at once") << QByteArray("app/demo/+/+") << QByteArray("/+#%") << QByteArray("%#+/")
                                 << QByteArray("app/demo/%2F%2B%23%25/%25%23%2B%2F");
    QTest::newRow("utf-8 untouched") << QByteArray("app/demo/+/+") << QByteArray("d\xc3\xa9v")
                                     << QByteArray("\xe2\x82\xac")
                                     << QByteArray("app/demo/d\xc3\xa9v/\xe2\x82\xac");
    QTest::newRow("empty channel") << QByteArray("app/demo/dev/+") << QByteArray("dev") << QByteArray()
                                   << QByteArray("app/demo/dev/");
    QTest::newRow("plain filter ignores names")
        << QByteArray("app/demo") << QByteArray("a/b") << QByteArray("#") << QByteArray("app/demo");
}

void TestTopicScheme::deliveryTopic()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, device);
    QFETCH(QByteArray, channel);
    QFETCH(QByteArray, topic);
    const EventFilter f = parsed(filter);
    QByteArray out = QByteArrayLiteral("left over");
    f.deliveryTopic(makeEvent(device, channel), out);
    QCOMPARE(out, topic);
    QVERIFY(drover::mqtt::isValidTopicName(out));
    QVERIFY2(drover::mqtt::topicMatches(withoutShare(filter), out), out.constData());
}

// Whenever a filter selects an event, the topic it goes out on matches the filter
// (MQTT-4.7; the header promises it), or strict clients drop the message.
void TestTopicScheme::deliveryTopicMatchesFilter_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("device");
    QTest::addColumn<QByteArray>("channel");

    QTest::newRow("literal device") << QByteArray("app/demo/dev") << QByteArray("dev") << QByteArray("c");
    QTest::newRow("literal device and channel")
        << QByteArray("app/demo/dev/c") << QByteArray("dev") << QByteArray("c");
    QTest::newRow("wildcard, device with /")
        << QByteArray("app/demo/+") << QByteArray("a/b") << QByteArray("c");
    QTest::newRow("#, channel with #") << QByteArray("app/demo/#") << QByteArray("d") << QByteArray("#");
    // Literal levels are written escaped, as delivery topics write them.
    QTest::newRow("literal device with %")
        << QByteArray("app/demo/50%25") << QByteArray("50%") << QByteArray("c");
    QTest::newRow("literal channel with %")
        << QByteArray("app/demo/+/100%25") << QByteArray("d") << QByteArray("100%");
    QTest::newRow("literal device with /")
        << QByteArray("app/demo/a%2Fb/c") << QByteArray("a/b") << QByteArray("c");
}

void TestTopicScheme::deliveryTopicMatchesFilter()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, device);
    QFETCH(QByteArray, channel);
    const EventFilter f = parsed(filter);
    const CloudEvent e = makeEvent(device, channel);
    if (!f.matches(e))
        return; // not selected: no delivery, nothing to check
    QByteArray topic;
    f.deliveryTopic(e, topic);
    QVERIFY2(drover::mqtt::topicMatches(withoutShare(filter), topic),
             qPrintable(QStringLiteral("filter '%1' selects device '%2' channel '%3' but delivers on '%4', "
                                       "which it does not match")
                            .arg(QString::fromUtf8(filter), QString::fromUtf8(device),
                                 QString::fromUtf8(channel), QString::fromUtf8(topic))));
}

// ------------------------------------------------------------------ matches()

void TestTopicScheme::matches_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<QByteArray>("device");
    QTest::addColumn<QByteArray>("channel");
    QTest::addColumn<bool>("expected");

    QTest::newRow("plain: anything") << QByteArray("app/demo") << QByteArray("x") << QByteArray("y") << true;
    QTest::newRow("shared plain: anything")
        << QByteArray("$share/g/app/demo") << QByteArray("x") << QByteArray("y") << true;
    QTest::newRow("device: same") << QByteArray("app/demo/dev") << QByteArray("dev") << QByteArray("y")
                                  << true;
    QTest::newRow("device: other") << QByteArray("app/demo/dev") << QByteArray("dev2") << QByteArray("y")
                                   << false;
    QTest::newRow("device: prefix only")
        << QByteArray("app/demo/dev") << QByteArray("de") << QByteArray("y") << false;
    QTest::newRow("device: case matters")
        << QByteArray("app/demo/dev") << QByteArray("DEV") << QByteArray("y") << false;
    QTest::newRow("+: any device") << QByteArray("app/demo/+") << QByteArray("whatever") << QByteArray("y")
                                   << true;
    QTest::newRow("#: any") << QByteArray("app/demo/#") << QByteArray("a") << QByteArray("b") << true;
    QTest::newRow("device/channel: both")
        << QByteArray("app/demo/dev/chan") << QByteArray("dev") << QByteArray("chan") << true;
    QTest::newRow("device/channel: other channel")
        << QByteArray("app/demo/dev/chan") << QByteArray("dev") << QByteArray("other") << false;
    QTest::newRow("device/channel: other device")
        << QByteArray("app/demo/dev/chan") << QByteArray("other") << QByteArray("chan") << false;
    QTest::newRow("+/channel: any device")
        << QByteArray("app/demo/+/chan") << QByteArray("z") << QByteArray("chan") << true;
    QTest::newRow("+/channel: other channel")
        << QByteArray("app/demo/+/chan") << QByteArray("z") << QByteArray("chan2") << false;
    QTest::newRow("device/#") << QByteArray("app/demo/dev/#") << QByteArray("dev") << QByteArray("q") << true;
    QTest::newRow("device/#: other device")
        << QByteArray("app/demo/dev/#") << QByteArray("de") << QByteArray("q") << false;
    QTest::newRow("device/+") << QByteArray("app/demo/dev/+") << QByteArray("dev") << QByteArray("") << true;
    QTest::newRow("shared narrow") << QByteArray("$share/g/app/demo/+/state") << QByteArray("d")
                                   << QByteArray("state") << true;
}

void TestTopicScheme::matches()
{
    QFETCH(QByteArray, filter);
    QFETCH(QByteArray, device);
    QFETCH(QByteArray, channel);
    QFETCH(bool, expected);
    QCOMPARE(parsed(filter).matches(makeEvent(device, channel)), expected);
}

// ------------------------------------------------------------------ refusals

void TestTopicScheme::refusedFilter_data()
{
    QTest::addColumn<QByteArray>("filter");
    QTest::addColumn<int>("reasonCode");

    const int wildcard = int(ReasonCode::WildcardSubscriptionsNotSupported); // 0xA2
    const int invalid = int(ReasonCode::TopicFilterInvalid);                 // 0x8F

    // Wildcards where the prefix or the application goes.
    QTest::newRow("#") << QByteArray("#") << wildcard;
    QTest::newRow("+") << QByteArray("+") << wildcard;
    QTest::newRow("+/demo") << QByteArray("+/demo") << wildcard;
    QTest::newRow("+/+/#") << QByteArray("+/+/#") << wildcard;
    QTest::newRow("app/+") << QByteArray("app/+") << wildcard;
    QTest::newRow("app/#") << QByteArray("app/#") << wildcard;
    QTest::newRow("a/+") << QByteArray("a/+") << wildcard;
    QTest::newRow("application/#") << QByteArray("application/#") << wildcard;
    QTest::newRow("app/+/dev") << QByteArray("app/+/dev") << wildcard;
    QTest::newRow("$share/g/#") << QByteArray("$share/g/#") << wildcard;
    QTest::newRow("$share/g/app/+") << QByteArray("$share/g/app/+") << wildcard;
    QTest::newRow("$shared/g/+/demo") << QByteArray("$shared/g/+/demo") << wildcard;

    // Other shapes.
    QTest::newRow("empty") << QByteArray("") << invalid;
    QTest::newRow("app alone") << QByteArray("app") << invalid;
    QTest::newRow("app/ (empty application)") << QByteArray("app/") << invalid;
    QTest::newRow("a/ (empty application)") << QByteArray("a/") << invalid;
    QTest::newRow("application/ (empty application)") << QByteArray("application/") << invalid;
    QTest::newRow("app//dev (empty application)") << QByteArray("app//dev") << invalid;
    QTest::newRow("unknown prefix") << QByteArray("devices/demo") << invalid;
    QTest::newRow("apps/demo") << QByteArray("apps/demo") << invalid;
    QTest::newRow("APP/demo (prefix case)") << QByteArray("APP/demo") << invalid;
    QTest::newRow("leading /") << QByteArray("/app/demo") << invalid;
    QTest::newRow("command topic") << QByteArray("command/demo/dev/x") << invalid;
    QTest::newRow("$SYS") << QByteArray("$SYS/broker") << invalid;
    QTest::newRow("too many levels") << QByteArray("app/demo/dev/chan/more") << invalid;
    QTest::newRow("too many levels, wildcards") << QByteArray("app/demo/+/+/+") << invalid;
    QTest::newRow("too many levels, #") << QByteArray("app/demo/+/+/#") << invalid;
    QTest::newRow("too many levels, shared") << QByteArray("$share/g/app/demo/d/c/x") << invalid;
    QTest::newRow("$share/g/app (no application)") << QByteArray("$share/g/app") << invalid;
    QTest::newRow("$share/g/app/ (empty application)") << QByteArray("$share/g/app/") << invalid;
    QTest::newRow("$share/g/ (empty rest)") << QByteArray("$share/g/") << invalid;
    QTest::newRow("$share//app/demo (empty group)") << QByteArray("$share//app/demo") << invalid;
    QTest::newRow("$share/+/app/demo (wildcard group)") << QByteArray("$share/+/app/demo") << invalid;
    QTest::newRow("$share/g/x/app/demo") << QByteArray("$share/g/x/app/demo") << invalid;
    QTest::newRow("shared twice") << QByteArray("$share/g/$share/h/app/demo") << invalid;

    // Invalid MQTT filter syntax.
    QTest::newRow("app/de+mo") << QByteArray("app/de+mo") << invalid;
    QTest::newRow("app/demo#") << QByteArray("app/demo#") << invalid;
    QTest::newRow("app/#/x") << QByteArray("app/#/x") << invalid;
    QTest::newRow("app/demo/#/x") << QByteArray("app/demo/#/x") << invalid;
    QTest::newRow("app/demo/dev+") << QByteArray("app/demo/dev+") << invalid;
    QTest::newRow("app/demo/+dev/c") << QByteArray("app/demo/+dev/c") << invalid;
    QTest::newRow("$share/g+/app/demo") << QByteArray("$share/g+/app/demo") << invalid;
    QTest::newRow("$share/#/app/demo") << QByteArray("$share/#/app/demo") << invalid;
    QTest::newRow("U+0000") << QByteArray("app/de\0mo", 9) << invalid;
    QTest::newRow("invalid UTF-8") << QByteArray("app/\xff\xfe") << invalid;

    // Device and channel levels name one device or channel, escaped as delivery topics are.
    QTest::newRow("empty device level") << QByteArray("app/demo/") << invalid;
    QTest::newRow("empty device level with channel") << QByteArray("app/demo//state") << invalid;
    QTest::newRow("empty channel level") << QByteArray("app/demo/dev/") << invalid;
    QTest::newRow("stray % in device") << QByteArray("app/demo/50%") << invalid;
    QTest::newRow("bad escape in channel") << QByteArray("app/demo/+/a%zz") << invalid;

    // A shared subscription with nothing after the group is an invalid filter (MQTT-4.8.2-2;
    // Drogue answers 0x87 here, which says nothing about what is wrong).
    QTest::newRow("$share/g") << QByteArray("$share/g") << invalid;
    QTest::newRow("$shared/g") << QByteArray("$shared/g") << invalid;
}

void TestTopicScheme::refusedFilter()
{
    QFETCH(QByteArray, filter);
    QFETCH(int, reasonCode);
    const auto result = TopicScheme::parseFilter(filter);
    const auto *refusal = std::get_if<FilterRefusal>(&result);
    QVERIFY2(refusal, "accepted");
    QCOMPARE(QStringLiteral("0x%1").arg(int(refusal->reasonCode), 0, 16),
             QStringLiteral("0x%1").arg(reasonCode, 0, 16));
    QVERIFY(!refusal->message.isEmpty());
}

// ------------------------------------------------------------------ command topics

void TestTopicScheme::commandTopic_data()
{
    QTest::addColumn<QByteArray>("topic");
    QTest::addColumn<QString>("application");
    QTest::addColumn<QString>("device");
    QTest::addColumn<QString>("command");

    const QString demo = QStringLiteral("demo");
    const QString dev = QStringLiteral("dev");
    QTest::newRow("plain") << QByteArray("command/demo/dev/set") << demo << dev << QStringLiteral("set");
    QTest::newRow("upper case prefix")
        << QByteArray("COMMAND/demo/dev/set") << demo << dev << QStringLiteral("set");
    QTest::newRow("mixed case prefix")
        << QByteArray("Command/demo/dev/set") << demo << dev << QStringLiteral("set");
    QTest::newRow("name with /") << QByteArray("command/demo/dev/set/temperature") << demo << dev
                                 << QStringLiteral("set/temperature");
    QTest::newRow("name with many /")
        << QByteArray("command/demo/dev/a/b/c") << demo << dev << QStringLiteral("a/b/c");
    QTest::newRow("name ending in /")
        << QByteArray("command/demo/dev/set/") << demo << dev << QStringLiteral("set/");
    QTest::newRow("case of the rest kept") << QByteArray("command/Demo/Dev/SetTemp") << QStringLiteral("Demo")
                                           << QStringLiteral("Dev") << QStringLiteral("SetTemp");
    QTest::newRow("utf-8") << QByteArray("command/d\xc3\xa9mo/\xe2\x82\xac/\xc3\xa7md")
                           << QStringLiteral("d\u00e9mo") << QStringLiteral("\u20ac")
                           << QStringLiteral("\u00e7md");
    QTest::newRow("demo device") << QByteArray("command/demo/device-1/setTemperature") << demo
                                 << QStringLiteral("device-1") << QStringLiteral("setTemperature");
}

void TestTopicScheme::commandTopic()
{
    QFETCH(QByteArray, topic);
    QFETCH(QString, application);
    QFETCH(QString, device);
    QFETCH(QString, command);
    const auto parsedTopic = TopicScheme::parseCommandTopic(topic);
    QVERIFY(parsedTopic.has_value());
    QCOMPARE(parsedTopic->application, application);
    QCOMPARE(parsedTopic->device, device);
    QCOMPARE(parsedTopic->command, command);
}

void TestTopicScheme::refusedCommandTopic_data()
{
    QTest::addColumn<QByteArray>("topic");
    QTest::newRow("empty") << QByteArray("");
    QTest::newRow("command") << QByteArray("command");
    QTest::newRow("command/") << QByteArray("command/");
    QTest::newRow("no device") << QByteArray("command/demo");
    QTest::newRow("no command") << QByteArray("command/demo/dev");
    QTest::newRow("empty command") << QByteArray("command/demo/dev/");
    QTest::newRow("empty application") << QByteArray("command//dev/set");
    QTest::newRow("empty device") << QByteArray("command/demo//set");
    QTest::newRow("all empty") << QByteArray("command///");
    QTest::newRow("commands prefix") << QByteArray("commands/demo/dev/set");
    QTest::newRow("cmd prefix") << QByteArray("cmd/demo/dev/set");
    QTest::newRow("event topic") << QByteArray("app/demo/dev/set");
    QTest::newRow("leading /") << QByteArray("/command/demo/dev/set");
    QTest::newRow("prefix with suffix") << QByteArray("commandx/demo/dev/set");
    QTest::newRow("prefix cut") << QByteArray("comman/demo/dev/set");
}

void TestTopicScheme::refusedCommandTopic()
{
    QFETCH(QByteArray, topic);
    const auto parsedTopic = TopicScheme::parseCommandTopic(topic);
    QVERIFY2(!parsedTopic.has_value(), qPrintable(QStringLiteral("accepted as %1 / %2 / %3")
                                                      .arg(parsedTopic ? parsedTopic->application : QString(),
                                                           parsedTopic ? parsedTopic->device : QString(),
                                                           parsedTopic ? parsedTopic->command : QString())));
}

// ------------------------------------------------------------------ appendTopicLevel

void TestTopicScheme::appendTopicLevel_data()
{
    QTest::addColumn<QByteArray>("level");
    QTest::addColumn<QByteArray>("escaped");
    QTest::newRow("empty") << QByteArray("") << QByteArray("");
    QTest::newRow("plain") << QByteArray("device-1") << QByteArray("device-1");
    QTest::newRow("/") << QByteArray("a/b") << QByteArray("a%2Fb");
    QTest::newRow("+") << QByteArray("a+b") << QByteArray("a%2Bb");
    QTest::newRow("#") << QByteArray("a#b") << QByteArray("a%23b");
    QTest::newRow("%") << QByteArray("a%b") << QByteArray("a%25b");
    QTest::newRow("already escaped-looking") << QByteArray("%2F") << QByteArray("%252F");
    QTest::newRow("other punctuation kept") << QByteArray("a b$c:d.e") << QByteArray("a b$c:d.e");
    QTest::newRow("utf-8 kept") << QByteArray("\xc3\xa9") << QByteArray("\xc3\xa9");
}

void TestTopicScheme::appendTopicLevel()
{
    QFETCH(QByteArray, level);
    QFETCH(QByteArray, escaped);
    QByteArray out = QByteArrayLiteral("pre/");
    TopicScheme::appendTopicLevel(out, level);
    QCOMPARE(out, QByteArrayLiteral("pre/") + escaped); // appends, never clears
    QVERIFY(!escaped.contains('/') && !escaped.contains('+') && !escaped.contains('#'));
}

QTEST_GUILESS_MAIN(TestTopicScheme)
#include "tst_topicscheme.moc"
