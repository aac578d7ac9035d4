// Per-device command queueing in the embedded command bus: commands for an enabled device
// that is not connected wait (bounded, with a TTL) and go out in order when it attaches or
// asks; unknown and disabled devices and full queues are refused, never acknowledged.
#include "backend/devicecommandqueue.h"
#include "backend/embeddedcommandbus.h"
#include "backend/staticdevicedirectory.h"

#include <QLoggingCategory>
#include <QSignalSpy>
#include <QTest>

#include <functional>

using namespace drover::backend;

namespace {

const QString App = QStringLiteral("app");
const QString Dev = QStringLiteral("dev");

class RecordingReceiver : public CommandReceiver
{
public:
    void receiveCommand(const Command &command, Done done) override
    {
        received.append(command);
        if (onReceive)
            onReceive(command);
        if (deferAnswers)
            pending.append(std::move(done));
        else
            done(result);
    }
    QStringList names() const
    {
        QStringList out;
        for (const Command &command : received)
            out.append(command.name);
        return out;
    }
    QList<Command> received;
    CommandResult result;
    std::function<void(const Command &)> onReceive;
    bool deferAnswers = false; // keep `done` in `pending`, as a device that acknowledges later
    QList<Done> pending;
};

Command command(const QString &name, const QByteArray &payload = {}, const QString &device = Dev)
{
    return Command{App, device, name, payload, QByteArrayLiteral("text/plain"), QStringLiteral("sender-1")};
}

// What the sender heard: `calls` counts how often `done` ran (must be exactly once).
struct Answer {
    int calls = 0;
    CommandResult result;
};

Answer send(EmbeddedCommandBus &bus, const Command &c)
{
    QObject context;
    Answer answer;
    bus.send(c, &context, [&](const CommandResult &r) {
        ++answer.calls;
        answer.result = r;
    });
    return answer;
}

// Collects the messages of the command log while installed.
QStringList *g_messages = nullptr;
QtMessageHandler g_previousHandler = nullptr;

void collect(QtMsgType type, const QMessageLogContext &context, const QString &message)
{
    if (g_messages && context.category && QByteArray(context.category) == "drover.backend.commands") {
        g_messages->append(message);
        return;
    }
    if (g_previousHandler)
        g_previousHandler(type, context, message);
}

class MessageCollector
{
public:
    MessageCollector()
    {
        g_messages = &messages;
        g_previousHandler = qInstallMessageHandler(collect);
    }
    ~MessageCollector()
    {
        qInstallMessageHandler(g_previousHandler);
        g_messages = nullptr;
    }
    QStringList messages;
};

} // namespace

class TestCommandQueue : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void defaults();
    void deliveredWhenAttached();
    void queuedWhileDisconnectedThenDeliveredInOrder();
    void expiredCommandIsNotDelivered();
    void expiryIsPerCommand();
    void timerDropsExpiredAndLogsWithoutPayload();
    void countBound();
    void byteBound();
    void unknownDeviceIsRefused();
    void disabledDeviceIsRefused();
    void withoutDirectoryOnlyAttachedDevicesAreKnown();
    void detachThenSendQueuesAgain();
    void takeQueued();
    void commandQueuedSignal();
    void longPollWokenBySignal();
    void disabledOrRemovedWhileQueuedIsDropped();
    void receiverDetachingDuringDeliveryKeepsTheRest();
    void sendDuringDeliveryKeepsOrder();
    void queuedDeliveryResultIsOnlyLogged();
    void queueingOff();
    void withoutContextStillQueued();
    // Receivers that answer later (devices that acknowledge) or can't take a command now.
    void deferredAnswerReachesTheSender();
    void notDeliveredAfterAllIsQueuedAgainInOrder();
    void busyReceiverGetsTheRestWhenItAttachesAgain();
    void putBackKeepsTheDeadline();
};

void TestCommandQueue::initTestCase()
{
    // The tests read the drop log, whatever the environment's logging rules say.
    QLoggingCategory::setFilterRules(QStringLiteral("drover.backend.commands.info=true"));
}

void TestCommandQueue::defaults()
{
    const CommandQueueLimits limits;
    QCOMPARE(limits.ttlMs, 60 * 1000);
    QCOMPARE(limits.maxCommands, 100);
    QCOMPARE(limits.maxBytes, 1024 * 1024);
    EmbeddedCommandBus bus;
    QCOMPARE(bus.limits().ttlMs, limits.ttlMs);
    QCOMPARE(bus.directory(), nullptr);
}

void TestCommandQueue::deliveredWhenAttached()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    QSignalSpy queued(&bus, &EmbeddedCommandBus::commandQueued);
    RecordingReceiver receiver;
    bus.attach(App, Dev, &receiver);

    const Answer ok = send(bus, command(QStringLiteral("a"), QByteArrayLiteral("1")));
    QCOMPARE(ok.calls, 1);
    QVERIFY(ok.result.accepted());
    QVERIFY(!ok.result.message.contains(QStringLiteral("queued")));
    QCOMPARE(receiver.names(), QStringList{QStringLiteral("a")});
    QCOMPARE(receiver.received.first().payload, QByteArrayLiteral("1"));
    QCOMPARE(bus.queuedCount(App, Dev), 0);

    // The receiver's own refusal is the sender's answer, as before.
    receiver.result = {CommandResult::Status::Rejected, QStringLiteral("bad value")};
    const Answer refused = send(bus, command(QStringLiteral("b")));
    QCOMPARE(refused.calls, 1);
    QCOMPARE(refused.result.status, CommandResult::Status::Rejected);
    QCOMPARE(refused.result.message, QStringLiteral("bad value"));
    QCOMPARE(queued.count(), 0);
}

void TestCommandQueue::queuedWhileDisconnectedThenDeliveredInOrder()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);

    const QStringList names{QStringLiteral("first"), QStringLiteral("second"), QStringLiteral("third")};
    for (const QString &name : names) {
        const Answer answer = send(bus, command(name, name.toUtf8() + "-payload"));
        QCOMPARE(answer.calls, 1);
        QCOMPARE(answer.result.status, CommandResult::Status::Accepted);
        QCOMPARE(answer.result.message, QStringLiteral("queued for 60 s: device not connected"));
    }
    QCOMPARE(bus.queuedCount(App, Dev), 3);
    QCOMPARE(bus.queuedCount(App, QStringLiteral("other")), 0);

    RecordingReceiver receiver;
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.names(), names); // FIFO, before attach returns
    for (qsizetype i = 0; i < names.size(); ++i) {
        QCOMPARE(receiver.received.at(i).payload, names.at(i).toUtf8() + "-payload");
        QCOMPARE(receiver.received.at(i).sender, QStringLiteral("sender-1"));
        QCOMPARE(receiver.received.at(i).contentType, QByteArrayLiteral("text/plain"));
    }
    QCOMPARE(bus.queuedCount(App, Dev), 0);

    // Now attached: the next command goes straight through.
    const Answer direct = send(bus, command(QStringLiteral("fourth")));
    QVERIFY(direct.result.accepted());
    QCOMPARE(receiver.received.size(), 4);
}

void TestCommandQueue::expiredCommandIsNotDelivered()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    bus.setLimits({200, 100, 1024 * 1024});

    const Answer answer = send(bus, command(QStringLiteral("late")));
    QCOMPARE(answer.result.status, CommandResult::Status::Accepted);
    QCOMPARE(answer.result.message, QStringLiteral("queued for 0.2 s: device not connected"));
    QCOMPARE(bus.queuedCount(App, Dev), 1);

    QTest::qWait(400); // at least twice the TTL
    RecordingReceiver receiver;
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.received.size(), 0);
    QCOMPARE(bus.queuedCount(App, Dev), 0);
}

void TestCommandQueue::expiryIsPerCommand()
{
    // A short TTL for the first command, a long one for the second: only the first expires
    // (new limits apply to new commands; waiting ones keep their deadlines).
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    bus.setLimits({100, 100, 1024 * 1024});
    QVERIFY(send(bus, command(QStringLiteral("short"))).result.accepted());
    bus.setLimits({60 * 1000, 100, 1024 * 1024});
    QVERIFY(send(bus, command(QStringLiteral("long"))).result.accepted());
    QCOMPARE(bus.queuedCount(App, Dev), 2);

    QTest::qWait(250);
    RecordingReceiver receiver;
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.names(), QStringList{QStringLiteral("long")});
}

void TestCommandQueue::timerDropsExpiredAndLogsWithoutPayload()
{
    MessageCollector log;
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    bus.setLimits({200, 100, 1024 * 1024});
    QVERIFY(send(bus, command(QStringLiteral("setTemperature"), QByteArrayLiteral("SECRET-PAYLOAD")))
                .result.accepted());
    QCOMPARE(bus.queuedCount(App, Dev), 1);
    QVERIFY(log.messages.isEmpty());

    // Nobody touches the queue: the coarse timer drops the command on its own.
    QTRY_COMPARE_WITH_TIMEOUT(bus.queuedCount(App, Dev), 0, 5000);
    QCOMPARE(log.messages.size(), 1);
    const QString &message = log.messages.first();
    QVERIFY2(message.contains(QStringLiteral("'setTemperature'")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("'dev'")), qPrintable(message));
    QVERIFY2(message.contains(QStringLiteral("'app'")), qPrintable(message));
    QVERIFY2(!message.contains(QStringLiteral("SECRET")), qPrintable(message));
}

void TestCommandQueue::countBound()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    directory.add(App, QStringLiteral("other"));
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    bus.setLimits({60 * 1000, 3, 1024 * 1024});
    QSignalSpy queued(&bus, &EmbeddedCommandBus::commandQueued);

    for (int i = 0; i < 3; ++i)
        QVERIFY(send(bus, command(QString::number(i))).result.accepted());
    const Answer full = send(bus, command(QStringLiteral("3")));
    QCOMPARE(full.calls, 1);
    QCOMPARE(full.result.status, CommandResult::Status::QueueFull);
    QVERIFY2(full.result.message.contains(QStringLiteral("full")), qPrintable(full.result.message));
    QVERIFY2(full.result.message.contains(QStringLiteral("3 commands")), qPrintable(full.result.message));
    QCOMPARE(bus.queuedCount(App, Dev), 3);
    QCOMPARE(queued.count(), 3);

    // The bound is per device.
    QVERIFY(send(bus, command(QStringLiteral("x"), {}, QStringLiteral("other"))).result.accepted());

    // Taking one makes room for one.
    QVERIFY(bus.takeQueued(App, Dev).has_value());
    QVERIFY(send(bus, command(QStringLiteral("4"))).result.accepted());
    QCOMPARE(send(bus, command(QStringLiteral("5"))).result.status, CommandResult::Status::QueueFull);

    RecordingReceiver receiver;
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.names(), (QStringList{QStringLiteral("1"), QStringLiteral("2"), QStringLiteral("4")}));
}

void TestCommandQueue::byteBound()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    directory.add(App, QStringLiteral("big"));
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    bus.setLimits({60 * 1000, 100, 100});

    // Payload, name and content type count: 38 + 1 + 10 ("text/plain") = 49.
    const Command c = command(QStringLiteral("x"), QByteArray(38, 'p'));
    QCOMPARE(DeviceCommandQueue::sizeOf(c), 49);
    QVERIFY(send(bus, c).result.accepted());
    QVERIFY(send(bus, c).result.accepted()); // 98 of 100
    const Answer full = send(bus, c);
    QCOMPARE(full.result.status, CommandResult::Status::QueueFull);
    QVERIFY2(full.result.message.contains(QStringLiteral("98 of 100 bytes")),
             qPrintable(full.result.message));
    QCOMPARE(bus.queuedCount(App, Dev), 2);

    // A command bigger than the whole bound never fits, even in an empty queue.
    const Answer tooBig =
        send(bus, command(QStringLiteral("x"), QByteArray(100, 'p'), QStringLiteral("big")));
    QCOMPARE(tooBig.result.status, CommandResult::Status::QueueFull);
    QCOMPARE(bus.queuedCount(App, QStringLiteral("big")), 0);

    // Multi-byte names count in UTF-8.
    QCOMPARE(DeviceCommandQueue::sizeOf(Command{App, Dev, QStringLiteral("\u00e9"), {}, {}, {}}), 2);
}

void TestCommandQueue::unknownDeviceIsRefused()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    QSignalSpy queued(&bus, &EmbeddedCommandBus::commandQueued);
    // Even an attached receiver does not make a device the directory doesn't know.
    RecordingReceiver receiver;
    bus.attach(App, QStringLiteral("ghost"), &receiver);

    const Answer answer = send(bus, command(QStringLiteral("x"), {}, QStringLiteral("ghost")));
    QCOMPARE(answer.calls, 1);
    QCOMPARE(answer.result.status, CommandResult::Status::UnknownDevice);
    QCOMPARE(answer.result.message, QStringLiteral("no device 'ghost' in application 'app'"));
    // Same device name, other application: another (unknown) device.
    const Answer other =
        send(bus, Command{QStringLiteral("other"), Dev, QStringLiteral("x"), {}, {}, QStringLiteral("s")});
    QCOMPARE(other.result.status, CommandResult::Status::UnknownDevice);
    QCOMPARE(other.result.message, QStringLiteral("no device 'dev' in application 'other'"));

    QCOMPARE(receiver.received.size(), 0);
    QCOMPARE(bus.queuedCount(App, QStringLiteral("ghost")), 0);
    QCOMPARE(bus.queuedCount(QStringLiteral("other"), Dev), 0);
    QCOMPARE(queued.count(), 0);
}

void TestCommandQueue::disabledDeviceIsRefused()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev, DeviceState::Disabled);
    directory.add(App, QStringLiteral("off"), DeviceState::Disabled);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    QSignalSpy queued(&bus, &EmbeddedCommandBus::commandQueued);
    RecordingReceiver receiver;
    bus.attach(App, Dev, &receiver);

    const Answer attached = send(bus, command(QStringLiteral("x")));
    QCOMPARE(attached.calls, 1);
    QCOMPARE(attached.result.status, CommandResult::Status::DeviceDisabled);
    QCOMPARE(attached.result.message, QStringLiteral("device 'dev' in application 'app' is disabled"));
    const Answer detached = send(bus, command(QStringLiteral("x"), {}, QStringLiteral("off")));
    QCOMPARE(detached.result.status, CommandResult::Status::DeviceDisabled);
    QCOMPARE(receiver.received.size(), 0);
    QCOMPARE(bus.queuedCount(App, QStringLiteral("off")), 0);
    QCOMPARE(queued.count(), 0);

    // Enabled again: delivered.
    directory.add(App, Dev, DeviceState::Enabled);
    QVERIFY(send(bus, command(QStringLiteral("y"))).result.accepted());
    QCOMPARE(receiver.names(), QStringList{QStringLiteral("y")});
}

void TestCommandQueue::withoutDirectoryOnlyAttachedDevicesAreKnown()
{
    EmbeddedCommandBus bus;
    QSignalSpy queued(&bus, &EmbeddedCommandBus::commandQueued);
    const Answer unknown = send(bus, command(QStringLiteral("x")));
    QCOMPARE(unknown.result.status, CommandResult::Status::UnknownDevice);
    QCOMPARE(unknown.result.message, QStringLiteral("no device 'dev' in application 'app'"));
    QCOMPARE(bus.queuedCount(App, Dev), 0);
    QCOMPARE(queued.count(), 0);

    RecordingReceiver receiver;
    bus.attach(App, Dev, &receiver);
    QVERIFY(send(bus, command(QStringLiteral("y"))).result.accepted());
    QCOMPARE(receiver.names(), QStringList{QStringLiteral("y")});
    bus.detach(App, Dev, &receiver);
    QCOMPARE(send(bus, command(QStringLiteral("z"))).result.status, CommandResult::Status::UnknownDevice);
    QCOMPARE(bus.queuedCount(App, Dev), 0);
}

void TestCommandQueue::detachThenSendQueuesAgain()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    RecordingReceiver receiver, stranger;
    bus.attach(App, Dev, &receiver);
    QVERIFY(send(bus, command(QStringLiteral("a"))).result.accepted());
    QCOMPARE(receiver.received.size(), 1);

    // Detaching someone else's receiver changes nothing.
    bus.detach(App, Dev, &stranger);
    QVERIFY(send(bus, command(QStringLiteral("b"))).result.accepted());
    QCOMPARE(receiver.received.size(), 2);

    bus.detach(App, Dev, &receiver);
    const Answer queuedAnswer = send(bus, command(QStringLiteral("c")));
    QCOMPARE(queuedAnswer.result.status, CommandResult::Status::Accepted);
    QCOMPARE(queuedAnswer.result.message, QStringLiteral("queued for 60 s: device not connected"));
    QCOMPARE(receiver.received.size(), 2);
    QCOMPARE(bus.queuedCount(App, Dev), 1);

    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.names(), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
    QCOMPARE(bus.queuedCount(App, Dev), 0);
}

void TestCommandQueue::takeQueued()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    QVERIFY(!bus.takeQueued(App, Dev).has_value());

    QVERIFY(send(bus, command(QStringLiteral("a"), QByteArrayLiteral("pa"))).result.accepted());
    QVERIFY(send(bus, command(QStringLiteral("b"), QByteArrayLiteral("pb"))).result.accepted());
    std::optional<Command> first = bus.takeQueued(App, Dev);
    QVERIFY(first.has_value());
    QCOMPARE(first->name, QStringLiteral("a"));
    QCOMPARE(first->payload, QByteArrayLiteral("pa"));
    QCOMPARE(bus.queuedCount(App, Dev), 1);
    std::optional<Command> second = bus.takeQueued(App, Dev);
    QVERIFY(second.has_value());
    QCOMPARE(second->name, QStringLiteral("b"));
    QVERIFY(!bus.takeQueued(App, Dev).has_value());
    QCOMPARE(bus.queuedCount(App, Dev), 0);

    // Taken commands are gone: attaching delivers nothing.
    RecordingReceiver receiver;
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.received.size(), 0);
    bus.detach(App, Dev, &receiver);

    // An expired command is not handed out.
    bus.setLimits({100, 100, 1024 * 1024});
    QVERIFY(send(bus, command(QStringLiteral("old"))).result.accepted());
    QTest::qWait(250);
    QVERIFY(!bus.takeQueued(App, Dev).has_value());
    QCOMPARE(bus.queuedCount(App, Dev), 0);
}

void TestCommandQueue::commandQueuedSignal()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    directory.add(App, QStringLiteral("attached"));
    directory.add(App, QStringLiteral("off"), DeviceState::Disabled);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    bus.setLimits({60 * 1000, 1, 1024 * 1024});
    RecordingReceiver receiver;
    bus.attach(App, QStringLiteral("attached"), &receiver);
    QSignalSpy queued(&bus, &EmbeddedCommandBus::commandQueued);

    QVERIFY(send(bus, command(QStringLiteral("a"))).result.accepted());
    QCOMPARE(queued.count(), 1);
    QCOMPARE(queued.at(0).at(0).toString(), App);
    QCOMPARE(queued.at(0).at(1).toString(), Dev);

    // Not for direct delivery, refusals or a full queue.
    QVERIFY(send(bus, command(QStringLiteral("b"), {}, QStringLiteral("attached"))).result.accepted());
    QCOMPARE(send(bus, command(QStringLiteral("c"), {}, QStringLiteral("off"))).result.status,
             CommandResult::Status::DeviceDisabled);
    QCOMPARE(send(bus, command(QStringLiteral("d"), {}, QStringLiteral("ghost"))).result.status,
             CommandResult::Status::UnknownDevice);
    QCOMPARE(send(bus, command(QStringLiteral("e"))).result.status, CommandResult::Status::QueueFull);
    QCOMPARE(queued.count(), 1);
}

void TestCommandQueue::longPollWokenBySignal()
{
    // A waiting fetch (the HTTP long-poll to come) takes the command as soon as it is
    // queued; the sender still hears "queued", which was true.
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    QList<Command> fetched;
    QObject waiter;
    connect(&bus, &EmbeddedCommandBus::commandQueued, &waiter,
            [&](const QString &application, const QString &device) {
                if (std::optional<Command> c = bus.takeQueued(application, device))
                    fetched.append(*c);
            });
    const Answer answer = send(bus, command(QStringLiteral("a"), QByteArrayLiteral("p")));
    QCOMPARE(answer.calls, 1);
    QCOMPARE(answer.result.status, CommandResult::Status::Accepted);
    QCOMPARE(fetched.size(), 1);
    QCOMPARE(fetched.first().name, QStringLiteral("a"));
    QCOMPARE(fetched.first().payload, QByteArrayLiteral("p"));
    QCOMPARE(bus.queuedCount(App, Dev), 0);
}

void TestCommandQueue::disabledOrRemovedWhileQueuedIsDropped()
{
    MessageCollector log;
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    directory.add(App, QStringLiteral("gone"));
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    QVERIFY(send(bus, command(QStringLiteral("a"))).result.accepted());
    QVERIFY(send(bus, command(QStringLiteral("b"), {}, QStringLiteral("gone"))).result.accepted());

    directory.add(App, Dev, DeviceState::Disabled);
    QVERIFY(directory.remove(App, QStringLiteral("gone")));
    QVERIFY(!directory.remove(App, QStringLiteral("gone")));
    RecordingReceiver receiver;
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.received.size(), 0);
    QCOMPARE(bus.queuedCount(App, Dev), 0);
    QVERIFY(!bus.takeQueued(App, QStringLiteral("gone")).has_value());
    QCOMPARE(bus.queuedCount(App, QStringLiteral("gone")), 0);
    QCOMPARE(log.messages.size(), 2); // each dropped command is logged
    QVERIFY(log.messages.at(0).contains(QStringLiteral("disabled")));
    QVERIFY(log.messages.at(1).contains(QStringLiteral("no longer exists")));
}

void TestCommandQueue::receiverDetachingDuringDeliveryKeepsTheRest()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    for (const char *name : {"a", "b", "c"})
        QVERIFY(send(bus, command(QString::fromLatin1(name))).result.accepted());

    RecordingReceiver receiver;
    receiver.onReceive = [&](const Command &) { bus.detach(App, Dev, &receiver); };
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.names(), QStringList{QStringLiteral("a")});
    QCOMPARE(bus.queuedCount(App, Dev), 2);

    receiver.onReceive = nullptr;
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.names(), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
    QCOMPARE(bus.queuedCount(App, Dev), 0);
}

void TestCommandQueue::sendDuringDeliveryKeepsOrder()
{
    // A command sent while the queue is being delivered goes behind the queued ones.
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    QVERIFY(send(bus, command(QStringLiteral("a"))).result.accepted());
    QVERIFY(send(bus, command(QStringLiteral("b"))).result.accepted());

    RecordingReceiver receiver;
    Answer lateAnswer;
    receiver.onReceive = [&](const Command &c) {
        if (c.name == QLatin1String("a"))
            lateAnswer = send(bus, command(QStringLiteral("late")));
    };
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.names(),
             (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("late")}));
    QCOMPARE(lateAnswer.calls, 1);
    QCOMPARE(lateAnswer.result.status, CommandResult::Status::Accepted);
    QVERIFY2(lateAnswer.result.message.contains(QStringLiteral("behind earlier commands")),
             qPrintable(lateAnswer.result.message));
    QCOMPARE(bus.queuedCount(App, Dev), 0);
}

void TestCommandQueue::queuedDeliveryResultIsOnlyLogged()
{
    MessageCollector log;
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    QObject context;
    int calls = 0;
    CommandResult heard;
    bus.send(command(QStringLiteral("a")), &context, [&](const CommandResult &r) {
        ++calls;
        heard = r;
    });
    QCOMPARE(calls, 1);
    QVERIFY(heard.accepted());

    RecordingReceiver receiver;
    receiver.result = {CommandResult::Status::Rejected, QStringLiteral("bad value")};
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.received.size(), 1);
    QCOMPARE(calls, 1); // the sender is not told again
    QCOMPARE(log.messages.size(), 1);
    QVERIFY2(log.messages.first().contains(QStringLiteral("bad value")), qPrintable(log.messages.first()));
}

void TestCommandQueue::queueingOff()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    bus.setLimits({0, 100, 1024 * 1024});
    const Answer answer = send(bus, command(QStringLiteral("a")));
    QCOMPARE(answer.result.status, CommandResult::Status::QueueFull);
    QVERIFY2(answer.result.message.contains(QStringLiteral("queueing is off")),
             qPrintable(answer.result.message));
    QCOMPARE(bus.queuedCount(App, Dev), 0);

    // Attached devices still get their commands.
    RecordingReceiver receiver;
    bus.attach(App, Dev, &receiver);
    QVERIFY(send(bus, command(QStringLiteral("b"))).result.accepted());
    QCOMPARE(receiver.names(), QStringList{QStringLiteral("b")});
}

void TestCommandQueue::withoutContextStillQueued()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    bool called = false;
    bus.send(command(QStringLiteral("a")), nullptr, [&](const CommandResult &) { called = true; });
    QVERIFY(!called);
    QCOMPARE(bus.queuedCount(App, Dev), 1);
}

QTEST_GUILESS_MAIN(TestCommandQueue)

void TestCommandQueue::deferredAnswerReachesTheSender()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    RecordingReceiver receiver;
    receiver.deferAnswers = true;
    bus.attach(App, Dev, &receiver);

    QObject context;
    Answer answer;
    bus.send(command(QStringLiteral("a")), &context, [&](const CommandResult &r) {
        ++answer.calls;
        answer.result = r;
    });
    QCOMPARE(receiver.names(), QStringList{QStringLiteral("a")});
    QCOMPARE(answer.calls, 0); // not before the device acknowledged
    CommandResult refusal{CommandResult::Status::Rejected, QStringLiteral("no such setting"), 0x83};
    receiver.pending.takeFirst()(refusal);
    QCOMPARE(answer.calls, 1);
    QCOMPARE(answer.result.status, CommandResult::Status::Rejected);
    QCOMPARE(answer.result.deviceReasonCode, quint8(0x83));
    QCOMPARE(answer.result.message, QStringLiteral("no such setting"));

    // A sender that went away in the meantime hears nothing, and nothing breaks.
    auto gone = std::make_unique<QObject>();
    int goneCalls = 0;
    bus.send(command(QStringLiteral("b")), gone.get(), [&](const CommandResult &) { ++goneCalls; });
    gone.reset();
    receiver.pending.takeFirst()(CommandResult{});
    QCOMPARE(goneCalls, 0);
}

void TestCommandQueue::notDeliveredAfterAllIsQueuedAgainInOrder()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    RecordingReceiver receiver;
    receiver.deferAnswers = true;
    bus.attach(App, Dev, &receiver);

    QObject context;
    QList<CommandResult> answers;
    for (const QString &name : {QStringLiteral("a"), QStringLiteral("b")})
        bus.send(command(name), &context, [&](const CommandResult &r) { answers.append(r); });
    QCOMPARE(receiver.names(), (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
    // The device leaves before acknowledging either: a session fails its messages newest
    // first, so putting each back at the front of the queue keeps their order.
    bus.detach(App, Dev, &receiver);
    const CommandResult left{CommandResult::Status::Unavailable, QStringLiteral("the device disconnected")};
    receiver.pending.takeLast()(left);
    receiver.pending.takeLast()(left);
    QCOMPARE(answers.size(), 2);
    for (const CommandResult &r : answers) {
        QCOMPARE(r.status, CommandResult::Status::Accepted);
        QCOMPARE(r.message, QStringLiteral("queued for 60 s: the device disconnected"));
    }
    QCOMPARE(bus.queuedCount(App, Dev), 2);
    // A command sent meanwhile waits behind them.
    QCOMPARE(send(bus, command(QStringLiteral("c"))).result.status, CommandResult::Status::Accepted);

    RecordingReceiver back;
    bus.attach(App, Dev, &back);
    QCOMPARE(back.names(), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")}));
    QCOMPARE(bus.queuedCount(App, Dev), 0);
}

void TestCommandQueue::busyReceiverGetsTheRestWhenItAttachesAgain()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    for (const QString &name : {QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c")})
        send(bus, command(name));

    // Room for one command only: the rest go back to the queue, in order.
    RecordingReceiver receiver;
    int room = 1;
    receiver.onReceive = [&](const Command &) {
        receiver.result = room-- > 0
                              ? CommandResult{}
                              : CommandResult{CommandResult::Status::Unavailable, QStringLiteral("busy")};
    };
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.names(), (QStringList{QStringLiteral("a"), QStringLiteral("b")}));
    QCOMPARE(bus.queuedCount(App, Dev), 2);

    // While busy, a new command waits behind them (one try, no spinning on the busy device).
    QCOMPARE(send(bus, command(QStringLiteral("d"))).result.message,
             QStringLiteral("queued for 60 s behind earlier commands for the device"));
    QCoreApplication::processEvents();
    QCOMPARE(receiver.names(), (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("b")}));
    QCOMPARE(bus.queuedCount(App, Dev), 3);

    room = 10;
    receiver.received.clear();
    bus.attach(App, Dev, &receiver); // what a receiver does when it has room again
    QCOMPARE(receiver.names(), (QStringList{QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d")}));
    QCOMPARE(bus.queuedCount(App, Dev), 0);
}

void TestCommandQueue::putBackKeepsTheDeadline()
{
    StaticDeviceDirectory directory;
    directory.add(App, Dev);
    EmbeddedCommandBus bus;
    bus.setDirectory(&directory);
    bus.setLimits({300, 100, 1024 * 1024});
    send(bus, command(QStringLiteral("short-lived")));

    RecordingReceiver receiver;
    receiver.deferAnswers = true;
    bus.attach(App, Dev, &receiver);
    QCOMPARE(receiver.received.size(), 1);
    QTest::qWait(400); // past the TTL it got when it was first queued
    MessageCollector log;
    bus.detach(App, Dev, &receiver);
    receiver.pending.takeFirst()(CommandResult{CommandResult::Status::Unavailable, QStringLiteral("left")});
    QCOMPARE(bus.queuedCount(App, Dev), 0);
    QVERIFY2(log.messages.join(QLatin1Char('\n'))
                 .contains(QStringLiteral("not delivered within its time to live")),
             qPrintable(log.messages.join(QLatin1Char('\n'))));
}

#include "tst_commandqueue.moc"
