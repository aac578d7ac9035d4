// The embedded backend's command path. A command goes straight to the receiver attached for
// its device; for an enabled device that is not connected it waits in that device's queue
// (bounded, with a TTL) and goes out when the device attaches or asks for it. The sender
// learns the truth: accepted only when delivered or queued, otherwise why not (no
// success-then-drop).
#pragma once

#include "commandreceiver.h"
#include "commandsink.h"
#include "commandsource.h"
#include "devicecommandqueue.h"
#include "devicedirectory.h"

#include <QHash>
#include <QPair>
#include <QTimer>
#include <map>
#include <memory>
#include <optional>
#include <utility>

namespace drover::backend {

class EmbeddedCommandBus : public CommandSink, public CommandSource
{
    Q_OBJECT
public:
    explicit EmbeddedCommandBus(QObject *parent = nullptr);
    ~EmbeddedCommandBus() override;

    // With a directory: Unknown → UnknownDevice, Disabled → DeviceDisabled; an enabled
    // device gets the command now if a receiver is attached (the receiver's result is the
    // answer, once the device acknowledged it where it does; a receiver that can't take it
    // now has it queued), else it is queued (Accepted, "queued for <ttl> s: device not
    // connected") or refused with QueueFull. Without a directory only attached devices are
    // known. `done` runs on the event loop, before send returns unless the device's
    // acknowledgement is awaited.
    void send(const Command &command, QObject *context,
              std::function<void(const CommandResult &)> done) override;

    // `receiver` gets the commands for (application, device) until detached. Attaching
    // delivers the device's queued, unexpired commands in order before it returns, so
    // attach only once the receiver is ready; a receiver that was busy attaches again to
    // get the rest. Their results are only logged: the senders were told "queued" already.
    void attach(const QString &application, const QString &device, CommandReceiver *receiver) override;
    // Detaches `receiver` if it is the one attached; commands sent afterwards are queued.
    void detach(const QString &application, const QString &device, CommandReceiver *receiver) override;

    // Applies to every queue at once; commands already waiting keep their deadlines.
    void setLimits(const CommandQueueLimits &limits);
    const CommandQueueLimits &limits() const { return m_limits; }
    // Not owned; must outlive the bus or be replaced first. Null: see send().
    void setDirectory(const DeviceDirectory *directory) { m_directory = directory; }
    const DeviceDirectory *directory() const { return m_directory; }

    // For devices that fetch their commands instead of being attached (HTTP long-poll):
    // removes and returns the device's oldest unexpired queued command, if any. A waiting
    // request calls it, and if it gets nothing waits for commandQueued(application,
    // device) and calls it again (another waiter may have taken the command meanwhile).
    std::optional<Command> takeQueued(const QString &application, const QString &device);
    // Commands held for the device, including expired ones the timer has not dropped yet.
    qsizetype queuedCount(const QString &application, const QString &device) const;

Q_SIGNALS:
    // A command for (application, device) was queued; emitted before the sender's `done`.
    void commandQueued(const QString &application, const QString &device);

private:
    using Key = std::pair<QString, QString>;

    DeviceState stateOf(const QString &application, const QString &device) const;
    CommandResult enqueue(const Key &key, const Command &command);
    bool putBack(const Key &key, const Command &command);
    void scheduleDelivery(const Key &key);
    void deliverQueued(const Key &key);
    void sweep();
    void updateSweepInterval();

    QHash<QPair<QString, QString>, CommandReceiver *> m_receivers;
    // Only devices with waiting commands have a queue, so idle devices cost nothing.
    std::map<Key, std::unique_ptr<DeviceCommandQueue>> m_queues;
    CommandQueueLimits m_limits;
    const DeviceDirectory *m_directory = nullptr;
    // One coarse timer for all queues (not one per command); runs only while something
    // waits. Expiry is also checked whenever a queue is touched, so its period only bounds
    // how long expired commands hold memory.
    QTimer m_sweepTimer;
};

} // namespace drover::backend
