#include "devicecommandqueue.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcCommands, "drover.backend.commands")

namespace drover::backend {

DeviceCommandQueue::DeviceCommandQueue(QString application, QString device, CommandQueueLimits limits)
    : m_application(std::move(application))
    , m_device(std::move(device))
    , m_limits(limits)
{}

qint64 DeviceCommandQueue::sizeOf(const Command &command)
{
    return command.payload.size() + command.contentType.size() + command.name.toUtf8().size();
}

bool DeviceCommandQueue::enqueue(const Command &command, QString *why)
{
    const auto refuse = [&](const QString &reason) {
        if (why)
            *why = reason;
        return false;
    };
    if (m_limits.ttlMs <= 0)
        return refuse(
            QStringLiteral("device '%1' is not connected and command queueing is off").arg(m_device));
    dropExpired();
    if (size() >= m_limits.maxCommands)
        return refuse(QStringLiteral("device '%1' is not connected and its command queue is full "
                                     "(%2 commands waiting)")
                          .arg(m_device)
                          .arg(size()));
    const qint64 cost = sizeOf(command);
    if (m_bytes + cost > m_limits.maxBytes)
        return refuse(QStringLiteral("device '%1' is not connected and its command queue is full "
                                     "(%2 of %3 bytes used, the command needs %4)")
                          .arg(m_device)
                          .arg(m_bytes)
                          .arg(m_limits.maxBytes)
                          .arg(cost));
    Entry entry{command, cost};
    entry.command.expiry = std::min(command.expiry, QDeadlineTimer(m_limits.ttlMs, Qt::PreciseTimer));
    m_entries.push_back(std::move(entry));
    m_bytes += cost;
    return true;
}

bool DeviceCommandQueue::putBack(Command command)
{
    const qint64 cost = sizeOf(command);
    if (command.expiry.isForever())
        command.expiry = QDeadlineTimer(std::max<qint64>(m_limits.ttlMs, 0), Qt::PreciseTimer);
    Entry entry{std::move(command), cost};
    if (m_limits.ttlMs <= 0 || entry.command.expiry.hasExpired()) {
        drop(entry, m_limits.ttlMs <= 0 ? QStringLiteral("not delivered, and command queueing is off")
                                        : QStringLiteral("not delivered within its time to live"));
        return false;
    }
    m_entries.push_front(std::move(entry));
    m_bytes += cost;
    return true;
}

std::optional<Command> DeviceCommandQueue::take()
{
    while (!m_entries.empty()) {
        Entry entry = std::move(m_entries.front());
        m_entries.pop_front();
        m_bytes -= entry.size;
        if (entry.command.expiry.hasExpired()) {
            drop(entry, QStringLiteral("not delivered within its time to live"));
            continue;
        }
        return std::move(entry.command);
    }
    return std::nullopt;
}

int DeviceCommandQueue::dropExpired()
{
    // Deadlines are in FIFO order only while the TTL stays the same; setLimits can change
    // it, so look at every entry. The queue is small (maxCommands).
    int dropped = 0;
    for (auto it = m_entries.begin(); it != m_entries.end();) {
        if (it->command.expiry.hasExpired()) {
            drop(*it, QStringLiteral("not delivered within its time to live"));
            m_bytes -= it->size;
            it = m_entries.erase(it);
            ++dropped;
        } else {
            ++it;
        }
    }
    return dropped;
}

void DeviceCommandQueue::clear(const QString &reason)
{
    for (const Entry &entry : m_entries)
        drop(entry, reason);
    m_entries.clear();
    m_bytes = 0;
}

void DeviceCommandQueue::drop(const Entry &entry, const QString &reason)
{
    // Names only: payloads may carry anything and stay out of the log.
    qCInfo(lcCommands).noquote() << QStringLiteral("dropped command '%1' for device '%2' in application '%3' "
                                                   "from '%4': %5")
                                        .arg(entry.command.name, m_device, m_application,
                                             entry.command.sender, reason);
}

} // namespace drover::backend
