#include "deviceeventpublisher.h"

#include <QLoggingCategory>

Q_LOGGING_CATEGORY(lcDeviceEvents, "drover.backend.events")

namespace drover::backend {

namespace {

DeviceEventPublisher::Outcome outcomeOf(const PublishResult &result)
{
    using S = PublishResult::Status;
    using O = DeviceEventPublisher::Outcome::Status;
    switch (result.status) {
    case S::Accepted:
        return {O::Accepted, {}};
    case S::Full:
        return {O::Full, result.message};
    case S::UnknownApplication:
        return {O::UnknownApplication, result.message};
    case S::Unavailable:
        break;
    }
    return {O::Unavailable, result.message};
}

} // namespace

DeviceEventPublisher::DeviceEventPublisher(EventLog *events, QByteArray instance)
    : m_events(events)
    , m_factory(std::move(instance))
{}

void DeviceEventPublisher::publish(const cloudevents::DeviceMessage &message, const QByteArray &type,
                                   QObject *context, Done done) const
{
    const QString who = QString::fromUtf8(message.sender.isEmpty() ? message.device : message.sender) +
                        QLatin1Char('@') + QString::fromUtf8(message.application);
    QByteArray error;
    const auto event = m_factory.create(message, type, &error);
    if (!event) {
        qCInfo(lcDeviceEvents).noquote()
            << "event of device" << who << "refused:" << QString::fromUtf8(error);
        if (context && done)
            done({Outcome::Status::InvalidPayload, QString::fromUtf8(error)});
        return;
    }
    // Without a caller waiting, the log keeps the outcome alive.
    QObject *callbackContext = context ? context : m_events;
    const bool waiting = context && done;
    m_events->publish(*event, callbackContext,
                      [done = std::move(done), who, waiting](const PublishResult &result) {
                          const Outcome outcome = outcomeOf(result);
                          if (!waiting) {
                              if (!outcome.accepted())
                                  qCWarning(lcDeviceEvents).noquote()
                                      << "event of device" << who << "refused:" << outcome.message;
                              return;
                          }
                          done(outcome);
                      });
}

} // namespace drover::backend
