// The embedded backend: the per-application event log with its consumer groups (plain and
// shared), start positions, retention, wake-ups and idle expiry; and the command bus.
#include "backend/applicationlog.h"
#include "backend/consumergroup.h"
#include "backend/embeddedcommandbus.h"
#include "backend/embeddedeventlog.h"

#include <QSet>
#include <QSignalSpy>
#include <QTest>

#include <algorithm>

using namespace drover::backend;
using drover::cloudevents::CloudEvent;
using drover::cloudevents::EncodedEvent;

namespace {

const QString App = QStringLiteral("app");

// A base time for events with chosen ingestion times.
QDateTime baseTime()
{
    return QDateTime(QDate(2026, 1, 2), QTime(12, 0), Qt::UTC);
}

// Event number `n` of `application`: its data is "e<n>", so a delivery says which it is.
CloudEvent makeEvent(int n, const QString &application = App, QDateTime time = {})
{
    CloudEvent event;
    event.id = QByteArrayLiteral("id-") + QByteArray::number(n).rightJustified(6, '0');
    event.application = application.toUtf8();
    event.device = QByteArrayLiteral("device-") + QByteArray::number(n % 3);
    event.sender = event.device;
    event.source = QByteArrayLiteral("drogue://") + event.application + '/' + event.device;
    event.subject = QByteArrayLiteral("state");
    event.time = time.isValid() ? time : baseTime().addSecs(n);
    event.dataContentType = QByteArrayLiteral("text/plain");
    event.data = QByteArrayLiteral("e") + QByteArray::number(n).rightJustified(6, '0');
    return event;
}

// The event number a delivery carries (see makeEvent).
int number(const Delivery &delivery)
{
    return delivery.event->event().data.mid(1).toInt();
}

QList<int> numbers(const QList<Delivery> &deliveries)
{
    QList<int> out;
    for (const Delivery &d : deliveries)
        out.append(number(d));
    return out;
}

QList<quint64> offsets(const QList<Delivery> &deliveries)
{
    QList<quint64> out;
    for (const Delivery &d : deliveries)
        out.append(d.offset);
    return out;
}

QList<int> range(int from, int to) // [from, to)
{
    QList<int> out;
    for (int i = from; i < to; ++i)
        out.append(i);
    return out;
}

QList<quint64> offsetRange(quint64 from, quint64 to) // [from, to)
{
    QList<quint64> out;
    for (quint64 i = from; i < to; ++i)
        out.append(i);
    return out;
}

// Publishes events [from, to) to `application` and checks each is accepted at once.
void publishRange(EventLog &log, int from, int to, const QString &application = App)
{
    QObject context;
    for (int i = from; i < to; ++i) {
        bool accepted = false;
        log.publish(makeEvent(i, application), &context,
                    [&](const PublishResult &r) { accepted = r.accepted(); });
        QVERIFY2(accepted, qPrintable(QStringLiteral("event %1 not accepted").arg(i)));
    }
}

// Polls until a poll returns nothing; every delivery is returned.
QList<Delivery> drain(EventConsumer &consumer, int batch = 1000)
{
    QList<Delivery> all;
    for (int guard = 0; guard < 100000; ++guard) {
        if (consumer.poll(all, batch) == 0)
            break;
    }
    return all;
}

void acknowledgeAll(EventConsumer &consumer, const QList<Delivery> &deliveries)
{
    for (const Delivery &d : deliveries)
        consumer.acknowledge(d);
}

StartPosition earliest()
{
    return {StartPosition::Kind::Earliest, {}};
}
StartPosition latest()
{
    return {StartPosition::Kind::Latest, {}};
}
StartPosition at(const QDateTime &time)
{
    return {StartPosition::Kind::Time, time};
}

class RecordingReceiver : public CommandReceiver
{
public:
    void receiveCommand(const Command &command, Done done) override
    {
        received.append(command);
        done(result);
    }
    QList<Command> received;
    CommandResult result;
};

} // namespace

class TestEmbeddedEventLog : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    // Plain and multiple groups.
    void plainGroupGetsEveryEventInOrder();
    void pollRespectsMaxAndContinues();
    void twoGroupsEachGetEveryEvent();
    void applicationsHaveSeparateLogs();
    void publishWithoutApplicationIsRefused();
    void publishDoneNeedsContext();

    // Shared groups.
    void sharedGroupHandsEachEventToOneMember_data();
    void sharedGroupHandsEachEventToOneMember();
    void sharedGroupSplitsEachTurnEvenly();
    void leavingMemberHandsUnacknowledgedToOther();
    void releasedDeliveryGoesToAnotherMember();
    void staleReleaseDoesNotTakeDeliveryFromNewHolder();
    void releasedDeliveryComesBackToSameMember();
    void allMembersLeaveAndOneRejoins();
    void groupWithoutMembersKeepsCollecting();

    // Start positions.
    void startLatest();
    void startEarliest();
    void startTime_data();
    void startTime();
    void startPositionIgnoredForExistingGroup();

    // Retention.
    void retentionByCount();
    void retentionByBytes();
    void eventLargerThanByteLimitIsKeptAlone();
    void laggingGroupReportsLostEventsAndContinuesAtStart();
    void releasedEventsThatExpiredCountAsLost();
    void upToDateGroupLosesNothing();

    // Wake-ups.
    void noEventsAvailableWithoutEmptyPoll();
    void eventsAvailableOncePerEventLoopTurn();
    void eventsAvailableAgainOnlyAfterNextEmptyPoll();
    void eventsAvailableNotEmittedIfPolledMeanwhile();
    void eventsAvailableForEveryWaitingGroupAndMember();
    void eventsAvailableWhenMemberLeavesWithDeliveries();

    // Acknowledgement and expiry.
    void outOfOrderAcknowledgementKeepsLowestUnacknowledged();
    void acknowledgeOutsideWindowIsIgnored();
    void idleGroupExpires();
    void groupWithMemberDoesNotExpire();
    void expiredGroupStartsAfresh();

    // Command bus.
    void commandReachesAttachedReceiver();
    void receiverRefusalIsPassedOn();
    void unknownDeviceIsRefused();
    void detach();
    void commandWithoutContextStillDelivered();

    // Last: a defect here may crash the process (see the comment in the test).
    void acknowledgeAfterReleaseThenPoll();
};

// ------------------------------------------------------------------ plain and multiple groups

void TestEmbeddedEventLog::plainGroupGetsEveryEventInOrder()
{
    EmbeddedEventLog log({});
    auto consumer = log.subscribe(App, QStringLiteral("app.client"), latest());
    QCOMPARE(consumer->groupId(), QStringLiteral("app.client"));
    publishRange(log, 0, 50);

    const QList<Delivery> got = drain(*consumer, 7);
    QCOMPARE(numbers(got), range(0, 50));
    QCOMPARE(offsets(got), offsetRange(0, 50));
    for (const Delivery &d : got) {
        QCOMPARE(d.partition, 0);
        QCOMPARE(d.event->event().application, QByteArrayLiteral("app"));
    }
    QCOMPARE(log.log(App)->endOffset(), quint64(50));

    ConsumerGroup *group = log.log(App)->group(QStringLiteral("app.client"), latest());
    QCOMPARE(group->committedOffset(), quint64(0));
    QCOMPARE(group->nextOffset(), quint64(50));
    acknowledgeAll(*consumer, got);
    QCOMPARE(group->committedOffset(), quint64(50));

    // Later events continue the sequence.
    publishRange(log, 50, 53);
    QCOMPARE(numbers(drain(*consumer)), range(50, 53));
}

void TestEmbeddedEventLog::pollRespectsMaxAndContinues()
{
    EmbeddedEventLog log({});
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    publishRange(log, 0, 10);

    QList<Delivery> out;
    QCOMPARE(consumer->poll(out, 3), 3);
    QCOMPARE(numbers(out), range(0, 3));
    // poll appends: the list keeps what it had.
    QCOMPARE(consumer->poll(out, 4), 4);
    QCOMPARE(numbers(out), range(0, 7));
    QCOMPARE(consumer->poll(out, 100), 3);
    QCOMPARE(numbers(out), range(0, 10));
    QCOMPARE(consumer->poll(out, 100), 0);
    QCOMPARE(out.size(), 10);
}

void TestEmbeddedEventLog::twoGroupsEachGetEveryEvent()
{
    EmbeddedEventLog log({});
    auto a = log.subscribe(App, QStringLiteral("app.a"), latest());
    auto b = log.subscribe(App, QStringLiteral("app.b"), latest());
    publishRange(log, 0, 20);

    const QList<Delivery> gotA = drain(*a, 6);
    QCOMPARE(numbers(gotA), range(0, 20));
    // Group a acknowledging does not move group b.
    acknowledgeAll(*a, gotA);
    const QList<Delivery> gotB = drain(*b, 5);
    QCOMPARE(numbers(gotB), range(0, 20));
    QCOMPARE(log.log(App)->group(QStringLiteral("app.a"), latest())->committedOffset(), quint64(20));
    QCOMPARE(log.log(App)->group(QStringLiteral("app.b"), latest())->committedOffset(), quint64(0));
    QCOMPARE(log.log(App)->groupCount(), 2);
}

void TestEmbeddedEventLog::applicationsHaveSeparateLogs()
{
    EmbeddedEventLog log({});
    auto a = log.subscribe(QStringLiteral("one"), QStringLiteral("g"), latest());
    auto b = log.subscribe(QStringLiteral("two"), QStringLiteral("g"), latest());
    publishRange(log, 0, 3, QStringLiteral("one"));
    publishRange(log, 10, 12, QStringLiteral("two"));
    QCOMPARE(numbers(drain(*a)), range(0, 3));
    QCOMPARE(numbers(drain(*b)), range(10, 12));
    QCOMPARE(log.log(QStringLiteral("one"))->endOffset(), quint64(3));
    QCOMPARE(log.log(QStringLiteral("two"))->endOffset(), quint64(2));
}

void TestEmbeddedEventLog::publishWithoutApplicationIsRefused()
{
    EmbeddedEventLog log({});
    QObject context;
    std::optional<PublishResult> result;
    CloudEvent event = makeEvent(1);
    event.application.clear();
    log.publish(event, &context, [&](const PublishResult &r) { result = r; });
    QVERIFY(result.has_value());
    QVERIFY(!result->accepted());
    QCOMPARE(result->status, PublishResult::Status::UnknownApplication);
    QVERIFY(!result->message.isEmpty());
}

void TestEmbeddedEventLog::publishDoneNeedsContext()
{
    EmbeddedEventLog log({});
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    bool called = false;
    log.publish(makeEvent(1), nullptr, [&](const PublishResult &) { called = true; });
    QVERIFY(!called);
    // The event is appended all the same.
    QCOMPARE(numbers(drain(*consumer)), QList<int>{1});
    // A null callback is allowed.
    QObject context;
    log.publish(makeEvent(2), &context, {});
    QCOMPARE(numbers(drain(*consumer)), QList<int>{2});
}

// ------------------------------------------------------------------ shared groups

void TestEmbeddedEventLog::sharedGroupHandsEachEventToOneMember_data()
{
    QTest::addColumn<int>("members");
    QTest::addColumn<int>("batch");
    QTest::newRow("2 members, batch 1") << 2 << 1;
    QTest::newRow("2 members, batch 5") << 2 << 5;
    QTest::newRow("3 members, batch 3") << 3 << 3;
    QTest::newRow("3 members, batch 64") << 3 << 64;
}

void TestEmbeddedEventLog::sharedGroupHandsEachEventToOneMember()
{
    QFETCH(int, members);
    QFETCH(int, batch);
    EmbeddedEventLog log({});
    std::vector<std::unique_ptr<EventConsumer>> consumers;
    for (int i = 0; i < members; ++i)
        consumers.push_back(log.subscribe(App, QStringLiteral("app.shared"), latest()));

    QList<int> seen;
    QList<int> perMember(members, 0);
    // Events arrive in several waves while members poll in turn.
    for (int wave = 0; wave < 5; ++wave) {
        publishRange(log, wave * 40, (wave + 1) * 40);
        bool progress = true;
        while (progress) {
            progress = false;
            for (int i = 0; i < members; ++i) {
                const int m = (wave + i) % members; // a different member goes first each wave
                QList<Delivery> out;
                if (consumers[m]->poll(out, batch) > 0) {
                    progress = true;
                    perMember[m] += int(out.size());
                    seen += numbers(out);
                    acknowledgeAll(*consumers[m], out);
                }
            }
        }
    }
    std::sort(seen.begin(), seen.end());
    QCOMPARE(seen, range(0, 200)); // each exactly once, none lost
    for (int m = 0; m < members; ++m)
        QVERIFY2(perMember[m] > 0, qPrintable(QStringLiteral("member %1 got nothing").arg(m)));
    QCOMPARE(log.log(App)->group(QStringLiteral("app.shared"), latest())->committedOffset(), quint64(200));
}

void TestEmbeddedEventLog::sharedGroupSplitsEachTurnEvenly()
{
    // A quick member that drains greedily must not take everything: each turn (one
    // event-loop iteration of arrivals) is split evenly among the members.
    EmbeddedEventLog log({});
    auto a = log.subscribe(App, QStringLiteral("app.shared"), latest());
    auto b = log.subscribe(App, QStringLiteral("app.shared"), latest());
    auto c = log.subscribe(App, QStringLiteral("app.shared"), latest());
    publishRange(log, 0, 90);
    const QList<Delivery> gotA = drain(*a); // polls until it gets nothing
    QCOMPARE(gotA.size(), 30);
    const QList<Delivery> gotB = drain(*b);
    QCOMPARE(gotB.size(), 30);
    // The rest belongs to c in this turn; a and b get more only in the next turn.
    QList<Delivery> more;
    QCOMPARE(a->poll(more, 10), 0);
    QSignalSpy wakeA(a.get(), &EventConsumer::eventsAvailable);
    QTRY_COMPARE(wakeA.count(), 1); // the next turn starts on the next loop iteration
    QCOMPARE(drain(*a).size(), 10); // a third of the 30 that c left untouched
    QCOMPARE(drain(*c).size(), 10);
}

void TestEmbeddedEventLog::leavingMemberHandsUnacknowledgedToOther()
{
    EmbeddedEventLog log({});
    auto a = log.subscribe(App, QStringLiteral("app.shared"), latest());
    auto b = log.subscribe(App, QStringLiteral("app.shared"), latest());
    publishRange(log, 0, 10);

    QList<Delivery> gotA;
    QCOMPARE(a->poll(gotA, 5), 5);
    QCOMPARE(numbers(gotA), range(0, 5));
    a->acknowledge(gotA[0]);
    a->acknowledge(gotA[3]);

    QList<Delivery> gotB = drain(*b);
    QCOMPARE(numbers(gotB), range(5, 10));
    acknowledgeAll(*b, gotB);
    QVERIFY(drain(*b).isEmpty()); // b now waits

    ConsumerGroup *group = log.log(App)->group(QStringLiteral("app.shared"), latest());
    QCOMPARE(group->committedOffset(), quint64(1));

    QSignalSpy available(b.get(), &EventConsumer::eventsAvailable);
    a.reset(); // leaves holding 1, 2 and 4
    QVERIFY(available.count() >= 1);

    QList<Delivery> redelivered = drain(*b);
    QCOMPARE(numbers(redelivered), (QList<int>{1, 2, 4}));
    QCOMPARE(offsets(redelivered), (QList<quint64>{1, 2, 4}));
    QCOMPARE(group->committedOffset(), quint64(1));
    acknowledgeAll(*b, redelivered);
    QCOMPARE(group->committedOffset(), quint64(10));

    // And the group goes on with b alone.
    publishRange(log, 10, 12);
    QCOMPARE(numbers(drain(*b)), range(10, 12));
}

void TestEmbeddedEventLog::releasedDeliveryGoesToAnotherMember()
{
    EmbeddedEventLog log({});
    auto a = log.subscribe(App, QStringLiteral("app.shared"), latest());
    publishRange(log, 0, 4);
    QList<Delivery> gotA = drain(*a); // alone in the group: a takes everything
    QCOMPARE(numbers(gotA), range(0, 4));
    auto b = log.subscribe(App, QStringLiteral("app.shared"), latest());
    QVERIFY(drain(*b).isEmpty());

    QSignalSpy available(b.get(), &EventConsumer::eventsAvailable);
    a->release(gotA[2]);
    QCOMPARE(available.count(), 1);
    QList<Delivery> gotB = drain(*b);
    QCOMPARE(numbers(gotB), QList<int>{2});
    acknowledgeAll(*a, {gotA[0], gotA[1], gotA[3]});
    acknowledgeAll(*b, gotB);
    QCOMPARE(log.log(App)->group(QStringLiteral("app.shared"), latest())->committedOffset(), quint64(4));
}

void TestEmbeddedEventLog::staleReleaseDoesNotTakeDeliveryFromNewHolder()
{
    EmbeddedEventLog log({});
    auto a = log.subscribe(App, QStringLiteral("app.shared"), latest());
    publishRange(log, 0, 4);
    QList<Delivery> gotA = drain(*a); // alone in the group: a takes everything
    QCOMPARE(numbers(gotA), range(0, 4));
    auto b = log.subscribe(App, QStringLiteral("app.shared"), latest());
    QVERIFY(drain(*b).isEmpty());
    a->release(gotA[2]);
    QCOMPARE(numbers(drain(*b)), QList<int>{2}); // b holds event 2 now
    // a releases it a second time (it no longer holds it): b keeps it, nobody gets it twice.
    a->release(gotA[2]);
    QCOMPARE(numbers(drain(*a)), QList<int>{});
    QCOMPARE(numbers(drain(*b)), QList<int>{});
}

void TestEmbeddedEventLog::releasedDeliveryComesBackToSameMember()
{
    EmbeddedEventLog log({});
    auto a = log.subscribe(App, QStringLiteral("g"), latest());
    publishRange(log, 0, 5);
    QList<Delivery> got = drain(*a);
    QCOMPARE(numbers(got), range(0, 5));
    a->release(got[3]);
    a->release(got[1]);
    publishRange(log, 5, 6);
    // Released ones first, in log order, then new events.
    QCOMPARE(numbers(drain(*a)), (QList<int>{1, 3, 5}));
}

void TestEmbeddedEventLog::allMembersLeaveAndOneRejoins()
{
    EmbeddedEventLog log({});
    const QString id = QStringLiteral("app.shared");
    auto a = log.subscribe(App, id, latest());
    auto b = log.subscribe(App, id, latest());
    publishRange(log, 0, 10);

    QList<Delivery> gotA;
    QCOMPARE(a->poll(gotA, 4), 4); // 0..3
    QList<Delivery> gotB;
    QCOMPARE(b->poll(gotB, 4), 4); // 4..7
    QCOMPARE(numbers(gotA), range(0, 4));
    QCOMPARE(numbers(gotB), range(4, 8));
    a->acknowledge(gotA[0]);
    a->acknowledge(gotA[2]);
    b->acknowledge(gotB[1]);

    ConsumerGroup *group = log.log(App)->group(id, latest());
    a.reset();
    b.reset();
    QVERIFY(!group->hasMembers());
    QCOMPARE(group->committedOffset(), quint64(1));
    publishRange(log, 10, 12); // while nobody is there

    // Rejoins with Earliest: ignored, the group has a position.
    auto c = log.subscribe(App, id, earliest());
    const QList<Delivery> gotC = drain(*c);
    // Unacknowledged ones again (1, 3, 4, 6, 7), then what it never handed out (8..11).
    QCOMPARE(numbers(gotC), (QList<int>{1, 3, 4, 6, 7, 8, 9, 10, 11}));
    acknowledgeAll(*c, gotC);
    QCOMPARE(group->committedOffset(), quint64(12));
}

void TestEmbeddedEventLog::groupWithoutMembersKeepsCollecting()
{
    EmbeddedEventLog log({});
    auto a = log.subscribe(App, QStringLiteral("g"), latest());
    publishRange(log, 0, 3);
    acknowledgeAll(*a, drain(*a));
    a.reset();
    publishRange(log, 3, 8);
    auto b = log.subscribe(App, QStringLiteral("g"), latest());
    QCOMPARE(numbers(drain(*b)), range(3, 8));
}

// ------------------------------------------------------------------ start positions

void TestEmbeddedEventLog::startLatest()
{
    EmbeddedEventLog log({});
    publishRange(log, 0, 5);
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    QVERIFY(drain(*consumer).isEmpty());
    publishRange(log, 5, 7);
    QCOMPARE(numbers(drain(*consumer)), range(5, 7));
}

void TestEmbeddedEventLog::startEarliest()
{
    EmbeddedEventLog log({});
    publishRange(log, 0, 5);
    auto consumer = log.subscribe(App, QStringLiteral("g"), earliest());
    QCOMPARE(numbers(drain(*consumer)), range(0, 5));

    // Earliest is the log start, not offset 0, once retention moved it.
    EmbeddedEventLog small(RetentionLimits{3, 1 << 30});
    publishRange(small, 0, 10);
    auto c = small.subscribe(App, QStringLiteral("g"), earliest());
    QSignalSpy lost(c.get(), &EventConsumer::eventsLost);
    const QList<Delivery> got = drain(*c);
    QCOMPARE(numbers(got), range(7, 10));
    QCOMPARE(offsets(got), offsetRange(7, 10));
    QCOMPARE(lost.count(), 0);
}

void TestEmbeddedEventLog::startTime_data()
{
    // Events 0..9 have times base+0s .. base+9s.
    QTest::addColumn<QDateTime>("time");
    QTest::addColumn<QList<int>>("expected");
    QTest::newRow("before all") << baseTime().addSecs(-3600) << range(0, 10);
    QTest::newRow("exactly the first") << baseTime() << range(0, 10);
    QTest::newRow("exactly event 4") << baseTime().addSecs(4) << range(4, 10);
    QTest::newRow("between 4 and 5") << baseTime().addMSecs(4500) << range(5, 10);
    QTest::newRow("exactly the last") << baseTime().addSecs(9) << QList<int>{9};
    QTest::newRow("after all") << baseTime().addSecs(60) << QList<int>{};
    QTest::newRow("other zone, same instant as event 6")
        << baseTime().addSecs(6).toOffsetFromUtc(3600) << range(6, 10);
}

void TestEmbeddedEventLog::startTime()
{
    QFETCH(QDateTime, time);
    QFETCH(QList<int>, expected);
    EmbeddedEventLog log({});
    publishRange(log, 0, 10);
    auto consumer = log.subscribe(App, QStringLiteral("g"), at(time));
    QCOMPARE(numbers(drain(*consumer)), expected);
    // Afterwards it simply follows the log.
    publishRange(log, 10, 11);
    QCOMPARE(numbers(drain(*consumer)), QList<int>{10});
}

void TestEmbeddedEventLog::startPositionIgnoredForExistingGroup()
{
    EmbeddedEventLog log({});
    publishRange(log, 0, 5);
    auto first = log.subscribe(App, QStringLiteral("g"), latest());
    publishRange(log, 5, 8);

    // A second member asking for Earliest or a time joins the group where it is.
    auto second = log.subscribe(App, QStringLiteral("g"), earliest());
    auto third = log.subscribe(App, QStringLiteral("g"), at(baseTime()));
    const QList<Delivery> gotSecond = drain(*second);
    const QList<Delivery> gotThird = drain(*third);
    const QList<Delivery> gotFirst = drain(*first);
    QList<int> seen = numbers(gotSecond + gotThird + gotFirst);
    std::sort(seen.begin(), seen.end());
    QCOMPARE(seen, range(5, 8));
    // Each member acknowledges what it holds (the group ignores a member acknowledging another's).
    acknowledgeAll(*first, gotFirst);
    acknowledgeAll(*second, gotSecond);
    acknowledgeAll(*third, gotThird);

    // Also after every member left: the group keeps its position.
    first.reset();
    second.reset();
    third.reset();
    auto again = log.subscribe(App, QStringLiteral("g"), earliest());
    QVERIFY(drain(*again).isEmpty());
    publishRange(log, 8, 9);
    QCOMPARE(numbers(drain(*again)), QList<int>{8});
}

// ------------------------------------------------------------------ retention

void TestEmbeddedEventLog::retentionByCount()
{
    EmbeddedEventLog log(RetentionLimits{5, 1 << 30});
    publishRange(log, 0, 12);
    ApplicationLog *appLog = log.log(App);
    QCOMPARE(appLog->startOffset(), quint64(7));
    QCOMPARE(appLog->endOffset(), quint64(12));
    QVERIFY(!appLog->at(6));
    QVERIFY(appLog->at(7));
    QCOMPARE(appLog->at(7)->event().data, makeEvent(7).data);
    QVERIFY(appLog->at(11));
    QVERIFY(!appLog->at(12));
    qint64 bytes = 0;
    for (quint64 o = 7; o < 12; ++o)
        bytes += appLog->at(o)->memorySize();
    QCOMPARE(appLog->sizeInBytes(), bytes);
}

void TestEmbeddedEventLog::retentionByBytes()
{
    const qint64 eventSize = EncodedEvent(makeEvent(0)).memorySize();
    QVERIFY(eventSize > 0);
    QCOMPARE(EncodedEvent(makeEvent(123456)).memorySize(), eventSize); // all test events weigh the same

    // Room for three and a half events: three stay.
    EmbeddedEventLog log(RetentionLimits{1000000, 3 * eventSize + eventSize / 2});
    publishRange(log, 0, 10);
    ApplicationLog *appLog = log.log(App);
    QCOMPARE(appLog->endOffset(), quint64(10));
    QCOMPARE(appLog->startOffset(), quint64(7));
    QCOMPARE(appLog->sizeInBytes(), 3 * eventSize);

    // Exactly at the limit is within it.
    EmbeddedEventLog exact(RetentionLimits{1000000, 4 * eventSize});
    publishRange(exact, 0, 10);
    QCOMPARE(exact.log(App)->startOffset(), quint64(6));
    QCOMPARE(exact.log(App)->sizeInBytes(), 4 * eventSize);

    auto consumer = log.subscribe(App, QStringLiteral("g"), earliest());
    QCOMPARE(numbers(drain(*consumer)), range(7, 10));
}

void TestEmbeddedEventLog::eventLargerThanByteLimitIsKeptAlone()
{
    EmbeddedEventLog log(RetentionLimits{1000, 100});
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    publishRange(log, 0, 3);
    ApplicationLog *appLog = log.log(App);
    // Each event alone is over the limit: the newest stays so readers get something.
    QCOMPARE(appLog->startOffset(), quint64(2));
    QCOMPARE(appLog->endOffset(), quint64(3));
    QSignalSpy lost(consumer.get(), &EventConsumer::eventsLost);
    QCOMPARE(numbers(drain(*consumer)), QList<int>{2});
    QCOMPARE(lost.count(), 1);
    QCOMPARE(lost.at(0).at(0).value<quint64>(), quint64(2));
}

void TestEmbeddedEventLog::laggingGroupReportsLostEventsAndContinuesAtStart()
{
    EmbeddedEventLog log(RetentionLimits{10, 1 << 30});
    auto slow = log.subscribe(App, QStringLiteral("slow"), latest());
    QSignalSpy lost(slow.get(), &EventConsumer::eventsLost);
    publishRange(log, 0, 4);
    QList<Delivery> first;
    QCOMPARE(slow->poll(first, 2), 2); // reads 0, 1 and then falls behind
    acknowledgeAll(*slow, first);
    publishRange(log, 4, 25); // log now holds 15..24
    QCOMPARE(log.log(App)->startOffset(), quint64(15));
    QCOMPARE(lost.count(), 0); // learnt on the next poll, not before

    QList<Delivery> out;
    QCOMPARE(slow->poll(out, 3), 3);
    QCOMPARE(lost.count(), 1);
    QCOMPARE(lost.at(0).at(0).value<quint64>(), quint64(13)); // 2..14
    QCOMPARE(numbers(out), range(15, 18));
    QCOMPARE(offsets(out), offsetRange(15, 18));
    acknowledgeAll(*slow, out);
    ConsumerGroup *group = log.log(App)->group(QStringLiteral("slow"), latest());
    QCOMPARE(group->committedOffset(), quint64(18));

    // Reported once: the rest arrives without another report.
    const QList<Delivery> rest = drain(*slow);
    QCOMPARE(numbers(rest), range(18, 25));
    QCOMPARE(lost.count(), 1);
}

void TestEmbeddedEventLog::releasedEventsThatExpiredCountAsLost()
{
    EmbeddedEventLog log(RetentionLimits{5, 1 << 30});
    const QString id = QStringLiteral("g");
    auto a = log.subscribe(App, id, latest());
    publishRange(log, 0, 3);
    QList<Delivery> held;
    QCOMPARE(a->poll(held, 3), 3); // 0, 1, 2 in flight
    a.reset();                     // released
    publishRange(log, 3, 10);      // log holds 5..9: 0..4 are gone
    auto b = log.subscribe(App, id, latest());
    QSignalSpy lost(b.get(), &EventConsumer::eventsLost);
    const QList<Delivery> got = drain(*b);
    QCOMPARE(numbers(got), range(5, 10));
    quint64 total = 0;
    for (const QList<QVariant> &args : std::as_const(lost))
        total += args.at(0).value<quint64>();
    QCOMPARE(total, quint64(5)); // three released and expired, two never read
    acknowledgeAll(*b, got);
    QCOMPARE(log.log(App)->group(id, latest())->committedOffset(), quint64(10));
}

void TestEmbeddedEventLog::upToDateGroupLosesNothing()
{
    EmbeddedEventLog log(RetentionLimits{3, 1 << 30});
    auto fast = log.subscribe(App, QStringLiteral("fast"), latest());
    QSignalSpy lost(fast.get(), &EventConsumer::eventsLost);
    QList<int> seen;
    for (int i = 0; i < 30; ++i) {
        publishRange(log, i, i + 1);
        const QList<Delivery> got = drain(*fast);
        seen += numbers(got);
        acknowledgeAll(*fast, got);
    }
    QCOMPARE(seen, range(0, 30));
    QCOMPARE(lost.count(), 0);
}

// ------------------------------------------------------------------ wake-ups

void TestEmbeddedEventLog::noEventsAvailableWithoutEmptyPoll()
{
    EmbeddedEventLog log({});
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    QSignalSpy available(consumer.get(), &EventConsumer::eventsAvailable);
    publishRange(log, 0, 3);
    QTest::qWait(50);
    QCOMPARE(available.count(), 0); // never polled empty: the owner polls by itself

    // Polling with a result does not ask for a wake-up either.
    QList<Delivery> out;
    QCOMPARE(consumer->poll(out, 2), 2);
    publishRange(log, 3, 4);
    QTest::qWait(50);
    QCOMPARE(available.count(), 0);
}

void TestEmbeddedEventLog::eventsAvailableOncePerEventLoopTurn()
{
    EmbeddedEventLog log({});
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    QSignalSpy available(consumer.get(), &EventConsumer::eventsAvailable);
    QVERIFY(drain(*consumer).isEmpty());

    publishRange(log, 0, 500);      // many appends in one turn
    QCOMPARE(available.count(), 0); // queued, not emitted from inside publish
    QTRY_COMPARE(available.count(), 1);
    QTest::qWait(50);
    QCOMPARE(available.count(), 1);
    QCOMPARE(numbers(drain(*consumer)), range(0, 500));
}

void TestEmbeddedEventLog::eventsAvailableAgainOnlyAfterNextEmptyPoll()
{
    EmbeddedEventLog log({});
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    QSignalSpy available(consumer.get(), &EventConsumer::eventsAvailable);
    QVERIFY(drain(*consumer).isEmpty());
    publishRange(log, 0, 1);
    QTRY_COMPARE(available.count(), 1);

    // Not polled since the wake-up: further events don't signal again.
    publishRange(log, 1, 2);
    QTest::qWait(30);
    publishRange(log, 2, 3);
    QTest::qWait(30);
    QCOMPARE(available.count(), 1);

    QCOMPARE(numbers(drain(*consumer)), range(0, 3)); // ends with an empty poll
    publishRange(log, 3, 4);
    QTRY_COMPARE(available.count(), 2);
    QTest::qWait(30);
    QCOMPARE(available.count(), 2);
}

void TestEmbeddedEventLog::eventsAvailableNotEmittedIfPolledMeanwhile()
{
    EmbeddedEventLog log({});
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    QSignalSpy available(consumer.get(), &EventConsumer::eventsAvailable);
    QVERIFY(drain(*consumer).isEmpty());
    publishRange(log, 0, 3);
    // Reads them before the wake-up is delivered: no stale wake-up for a busy reader.
    QList<Delivery> out;
    QCOMPARE(consumer->poll(out, 10), 3);
    QTest::qWait(50);
    QCOMPARE(available.count(), 0);
}

void TestEmbeddedEventLog::eventsAvailableForEveryWaitingGroupAndMember()
{
    EmbeddedEventLog log({});
    auto a = log.subscribe(App, QStringLiteral("ga"), latest());
    auto b1 = log.subscribe(App, QStringLiteral("gb"), latest());
    auto b2 = log.subscribe(App, QStringLiteral("gb"), latest());
    auto other = log.subscribe(QStringLiteral("other"), QStringLiteral("ga"), latest());
    QSignalSpy spyA(a.get(), &EventConsumer::eventsAvailable);
    QSignalSpy spyB1(b1.get(), &EventConsumer::eventsAvailable);
    QSignalSpy spyB2(b2.get(), &EventConsumer::eventsAvailable);
    QSignalSpy spyOther(other.get(), &EventConsumer::eventsAvailable);
    for (auto *c : {a.get(), b1.get(), b2.get(), other.get()})
        QVERIFY(drain(*c).isEmpty());

    publishRange(log, 0, 10);
    QTRY_COMPARE(spyA.count(), 1);
    QTRY_COMPARE(spyB1.count(), 1);
    QTRY_COMPARE(spyB2.count(), 1);
    QTest::qWait(50);
    QCOMPARE(spyA.count(), 1);
    QCOMPARE(spyB1.count(), 1);
    QCOMPARE(spyB2.count(), 1);
    QCOMPARE(spyOther.count(), 0); // another application's log
}

void TestEmbeddedEventLog::eventsAvailableWhenMemberLeavesWithDeliveries()
{
    EmbeddedEventLog log({});
    auto a = log.subscribe(App, QStringLiteral("g"), latest());
    publishRange(log, 0, 3);
    QCOMPARE(numbers(drain(*a)), range(0, 3)); // alone in the group: a takes everything
    auto b = log.subscribe(App, QStringLiteral("g"), latest());
    QVERIFY(drain(*b).isEmpty());
    QSignalSpy available(b.get(), &EventConsumer::eventsAvailable);
    a.reset();
    QTRY_VERIFY(available.count() >= 1);
    QCOMPARE(numbers(drain(*b)), range(0, 3));

    // A member that leaves holding nothing wakes nobody.
    auto c = log.subscribe(App, QStringLiteral("g"), latest());
    QVERIFY(drain(*c).isEmpty());
    const int before = int(available.count());
    c.reset();
    QTest::qWait(30);
    QCOMPARE(int(available.count()), before);
}

// ------------------------------------------------------------------ acknowledgement and expiry

void TestEmbeddedEventLog::outOfOrderAcknowledgementKeepsLowestUnacknowledged()
{
    EmbeddedEventLog log({});
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    publishRange(log, 0, 6);
    const QList<Delivery> got = drain(*consumer);
    QCOMPARE(got.size(), 6);
    ConsumerGroup *group = log.log(App)->group(QStringLiteral("g"), latest());
    QCOMPARE(group->committedOffset(), quint64(0));

    consumer->acknowledge(got[4]);
    QCOMPARE(group->committedOffset(), quint64(0));
    consumer->acknowledge(got[2]);
    QCOMPARE(group->committedOffset(), quint64(0));
    consumer->acknowledge(got[0]);
    QCOMPARE(group->committedOffset(), quint64(1));
    consumer->acknowledge(got[1]);
    QCOMPARE(group->committedOffset(), quint64(3)); // 2 was already acknowledged
    consumer->acknowledge(got[5]);
    QCOMPARE(group->committedOffset(), quint64(3));
    consumer->acknowledge(got[3]);
    QCOMPARE(group->committedOffset(), quint64(6));
    // Twice is harmless.
    consumer->acknowledge(got[3]);
    QCOMPARE(group->committedOffset(), quint64(6));
    QCOMPARE(group->nextOffset(), quint64(6));
}

void TestEmbeddedEventLog::acknowledgeOutsideWindowIsIgnored()
{
    EmbeddedEventLog log({});
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    publishRange(log, 0, 3);
    QList<Delivery> got;
    QCOMPARE(consumer->poll(got, 2), 2);
    ConsumerGroup *group = log.log(App)->group(QStringLiteral("g"), latest());
    // Offset 2 was never handed out; 99 does not exist.
    consumer->acknowledge(Delivery{nullptr, 2, 0});
    consumer->acknowledge(Delivery{nullptr, 99, 0});
    consumer->release(Delivery{nullptr, 99, 0});
    QCOMPARE(group->committedOffset(), quint64(0));
    QCOMPARE(group->nextOffset(), quint64(2));
    acknowledgeAll(*consumer, got);
    QCOMPARE(group->committedOffset(), quint64(2));
    QCOMPARE(numbers(drain(*consumer)), QList<int>{2});
}

void TestEmbeddedEventLog::idleGroupExpires()
{
    EmbeddedEventLog log({}, 100); // forget groups idle for 100 ms (checked every second)
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    auto keep = log.subscribe(App, QStringLiteral("kept"), latest());
    QCOMPARE(log.log(App)->groupCount(), 2);
    consumer.reset();
    QCOMPARE(log.log(App)->groupCount(), 2); // not at once
    QTRY_COMPARE_WITH_TIMEOUT(log.log(App)->groupCount(), 1, 5000);
    // The group with a member stays.
    QVERIFY(drain(*keep).isEmpty());
    publishRange(log, 0, 1);
    QCOMPARE(numbers(drain(*keep)), QList<int>{0});
}

void TestEmbeddedEventLog::groupWithMemberDoesNotExpire()
{
    EmbeddedEventLog log({}, 10);
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    QTest::qWait(50);
    log.log(App)->expireIdleGroups(0);
    QCOMPARE(log.log(App)->groupCount(), 1);
    publishRange(log, 0, 2);
    QCOMPARE(numbers(drain(*consumer)), range(0, 2));

    // Idle time counts from when the last member left.
    consumer.reset();
    log.log(App)->expireIdleGroups(60000);
    QCOMPARE(log.log(App)->groupCount(), 1);
    QTest::qWait(20);
    log.log(App)->expireIdleGroups(10);
    QCOMPARE(log.log(App)->groupCount(), 0);
}

void TestEmbeddedEventLog::expiredGroupStartsAfresh()
{
    EmbeddedEventLog log({});
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    publishRange(log, 0, 4);
    QList<Delivery> got;
    QCOMPARE(consumer->poll(got, 2), 2);
    acknowledgeAll(*consumer, got);
    consumer.reset(); // position 2 committed
    log.log(App)->expireIdleGroups(0);
    QCOMPARE(log.log(App)->groupCount(), 0);
    // The position is forgotten: the start position applies again.
    auto fresh = log.subscribe(App, QStringLiteral("g"), earliest());
    QCOMPARE(numbers(drain(*fresh)), range(0, 4));
    auto late = log.subscribe(App, QStringLiteral("h"), latest());
    late.reset();
    log.log(App)->expireIdleGroups(0);
    late = log.subscribe(App, QStringLiteral("h"), latest());
    QVERIFY(drain(*late).isEmpty());
}

// ------------------------------------------------------------------ command bus

void TestEmbeddedEventLog::commandReachesAttachedReceiver()
{
    EmbeddedCommandBus bus;
    RecordingReceiver one, two;
    bus.attach(App, QStringLiteral("dev-1"), &one);
    bus.attach(App, QStringLiteral("dev-2"), &two);

    QObject context;
    std::optional<CommandResult> result;
    const Command command{App,
                          QStringLiteral("dev-1"),
                          QStringLiteral("set/temperature"),
                          QByteArrayLiteral("{\"value\":21}"),
                          QByteArrayLiteral("application/json"),
                          QStringLiteral("client-7")};
    bus.send(command, &context, [&](const CommandResult &r) { result = r; });
    QVERIFY(result.has_value()); // the embedded bus answers at once
    QVERIFY(result->accepted());
    QCOMPARE(one.received.size(), 1);
    QCOMPARE(two.received.size(), 0);
    const Command &got = one.received.first();
    QCOMPARE(got.application, App);
    QCOMPARE(got.device, QStringLiteral("dev-1"));
    QCOMPARE(got.name, QStringLiteral("set/temperature"));
    QCOMPARE(got.payload, QByteArrayLiteral("{\"value\":21}"));
    QCOMPARE(got.contentType, QByteArrayLiteral("application/json"));
    QCOMPARE(got.sender, QStringLiteral("client-7"));
}

void TestEmbeddedEventLog::receiverRefusalIsPassedOn()
{
    EmbeddedCommandBus bus;
    RecordingReceiver receiver;
    receiver.result = {CommandResult::Status::Rejected, QStringLiteral("no such command")};
    bus.attach(App, QStringLiteral("dev"), &receiver);
    QObject context;
    std::optional<CommandResult> result;
    bus.send(Command{App, QStringLiteral("dev"), QStringLiteral("x"), {}, {}, {}}, &context,
             [&](const CommandResult &r) { result = r; });
    QVERIFY(result.has_value());
    QCOMPARE(result->status, CommandResult::Status::Rejected);
    QCOMPARE(result->message, QStringLiteral("no such command"));
    QCOMPARE(receiver.received.size(), 1);

    receiver.result = {CommandResult::Status::QueueFull, QStringLiteral("busy")};
    bus.send(Command{App, QStringLiteral("dev"), QStringLiteral("y"), {}, {}, {}}, &context,
             [&](const CommandResult &r) { result = r; });
    QCOMPARE(result->status, CommandResult::Status::QueueFull);
    QCOMPARE(result->message, QStringLiteral("busy"));
}

void TestEmbeddedEventLog::unknownDeviceIsRefused()
{
    EmbeddedCommandBus bus;
    RecordingReceiver receiver;
    bus.attach(App, QStringLiteral("dev"), &receiver);
    QObject context;
    std::optional<CommandResult> result;
    bus.send(Command{App, QStringLiteral("nope"), QStringLiteral("x"), {}, {}, {}}, &context,
             [&](const CommandResult &r) { result = r; });
    QVERIFY(result.has_value());
    QCOMPARE(result->status, CommandResult::Status::UnknownDevice);
    QVERIFY(result->message.contains(QStringLiteral("nope")));
    // Same device name in another application is another device.
    result.reset();
    bus.send(Command{QStringLiteral("other"), QStringLiteral("dev"), QStringLiteral("x"), {}, {}, {}},
             &context, [&](const CommandResult &r) { result = r; });
    QVERIFY(result.has_value());
    QCOMPARE(result->status, CommandResult::Status::UnknownDevice);
    QCOMPARE(receiver.received.size(), 0);
}

void TestEmbeddedEventLog::detach()
{
    EmbeddedCommandBus bus;
    RecordingReceiver receiver, stranger;
    bus.attach(App, QStringLiteral("dev"), &receiver);
    QObject context;
    std::optional<CommandResult> result;
    const auto send = [&] {
        result.reset();
        bus.send(Command{App, QStringLiteral("dev"), QStringLiteral("x"), {}, {}, {}}, &context,
                 [&](const CommandResult &r) { result = r; });
    };
    // Detaching with a receiver that is not the attached one changes nothing.
    bus.detach(App, QStringLiteral("dev"), &stranger);
    send();
    QVERIFY(result && result->accepted());
    QCOMPARE(receiver.received.size(), 1);

    bus.detach(App, QStringLiteral("dev"), &receiver);
    send();
    QVERIFY(result.has_value());
    QCOMPARE(result->status, CommandResult::Status::UnknownDevice);
    QCOMPARE(receiver.received.size(), 1);

    // Attaching again (another receiver) works.
    bus.attach(App, QStringLiteral("dev"), &stranger);
    send();
    QVERIFY(result && result->accepted());
    QCOMPARE(stranger.received.size(), 1);
}

void TestEmbeddedEventLog::commandWithoutContextStillDelivered()
{
    EmbeddedCommandBus bus;
    RecordingReceiver receiver;
    bus.attach(App, QStringLiteral("dev"), &receiver);
    bool called = false;
    bus.send(Command{App, QStringLiteral("dev"), QStringLiteral("x"), {}, {}, {}}, nullptr,
             [&](const CommandResult &) { called = true; });
    QVERIFY(!called);
    QCOMPARE(receiver.received.size(), 1);
}

// ------------------------------------------------------------------ last

void TestEmbeddedEventLog::acknowledgeAfterReleaseThenPoll()
{
    // ConsumerGroup::take() skips a released offset that was "acknowledged meanwhile"
    // (consumergroup.cpp), so acknowledging a released delivery is meant to be allowed.
    // Once that acknowledgement moves the committed offset past the released offset, the
    // stale entry in the redelivery queue must not be looked at again.
    EmbeddedEventLog log({});
    auto consumer = log.subscribe(App, QStringLiteral("g"), latest());
    publishRange(log, 0, 3);
    const QList<Delivery> got = drain(*consumer);
    QCOMPARE(got.size(), 3);
    consumer->release(got[0]);
    consumer->acknowledge(got[0]); // acknowledged after all
    ConsumerGroup *group = log.log(App)->group(QStringLiteral("g"), latest());
    QCOMPARE(group->committedOffset(), quint64(1));
    acknowledgeAll(*consumer, got.mid(1));
    QCOMPARE(group->committedOffset(), quint64(3));
    publishRange(log, 3, 5);
    // Only the new events: offset 0 was acknowledged and must not come again.
    QCOMPARE(numbers(drain(*consumer)), range(3, 5));
}

QTEST_GUILESS_MAIN(TestEmbeddedEventLog)
#include "tst_embeddedeventlog.moc"
