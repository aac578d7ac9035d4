// The commands waiting for one device that is not connected. Drogue drops such commands
// and still tells the sender "success"; Drover keeps them for a while (TTL) within bounds,
// so a device that connects soon gets them, and a sender hears "queue full" instead of a
// silent loss.
#pragma once

#include "commandsink.h"

#include <QDeadlineTimer>
#include <deque>
#include <optional>

namespace drover::backend {

struct CommandQueueLimits {
    qint64 ttlMs = 60 * 1000;      // how long a command waits; 0 or less turns queueing off
    qint64 maxCommands = 100;      // per device
    qint64 maxBytes = 1024 * 1024; // per device, counted by DeviceCommandQueue::sizeOf
};

class DeviceCommandQueue
{
public:
    DeviceCommandQueue(QString application, QString device, CommandQueueLimits limits);

    // Appends the command; it expires limits.ttlMs from now (or at its own earlier expiry).
    // Expired entries are dropped first so they don't count against the bounds. False, with
    // `why` for the sender, when the command would exceed a bound (or queueing is off); the
    // queue is then unchanged.
    bool enqueue(const Command &command, QString *why);
    // Puts a command that was taken but not delivered back at the front, keeping its
    // expiry. Not refused by the bounds: the queue held it already (or, for one that went
    // straight to the device, the sender was told it was accepted). False only if it
    // expired or queueing is off; it is then dropped and logged.
    bool putBack(Command command);
    // Removes and returns the oldest unexpired command (FIFO), with its expiry set; expired
    // ones before it are dropped on the way. Empty when nothing is waiting.
    std::optional<Command> take();
    // Drops every expired command and returns how many; called by the owner's coarse timer.
    int dropExpired();
    // Drops everything, logging `reason` for each command.
    void clear(const QString &reason);

    // New limits apply to commands enqueued from now on: waiting ones keep their deadlines.
    void setLimits(const CommandQueueLimits &limits) { m_limits = limits; }
    const CommandQueueLimits &limits() const { return m_limits; }

    qsizetype size() const { return qsizetype(m_entries.size()); }
    bool isEmpty() const { return m_entries.empty(); }
    qint64 bytes() const { return m_bytes; }
    const QString &application() const { return m_application; }
    const QString &device() const { return m_device; }

    // What a command costs against maxBytes: payload, name and content type, as UTF-8.
    static qint64 sizeOf(const Command &command);

private:
    struct Entry {
        Command command; // command.expiry is monotonic: wall-clock jumps neither keep nor kill commands
        qint64 size = 0;
    };

    void drop(const Entry &entry, const QString &reason);

    QString m_application;
    QString m_device;
    CommandQueueLimits m_limits;
    std::deque<Entry> m_entries;
    qint64 m_bytes = 0;
};

} // namespace drover::backend
