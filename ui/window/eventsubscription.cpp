#include "eventsubscription.h"

namespace drover::ui {

namespace {

// A filter level may not contain what MQTT gives meaning to.
bool isPlainLevel(const QString &level)
{
    return !level.contains(QLatin1Char('/')) && !level.contains(QLatin1Char('+')) &&
           !level.contains(QLatin1Char('#'));
}

} // namespace

QByteArray EventSubscription::filter() const
{
    QByteArray filter;
    if (!sharedGroup.isEmpty())
        filter.append("$share/").append(sharedGroup.toUtf8()).append('/');
    filter.append("app/").append(application.toUtf8());
    if (!device.isEmpty() || !channel.isEmpty())
        filter.append('/').append(device.isEmpty() ? QByteArrayLiteral("+") : device.toUtf8());
    if (!channel.isEmpty())
        filter.append('/').append(channel.toUtf8());
    return filter;
}

mqtt::Properties EventSubscription::properties() const
{
    mqtt::Properties properties;
    if (binary)
        properties.addUserProperty(QByteArrayLiteral("content-mode"), QByteArrayLiteral("binary"));
    if (fromEarliest)
        properties.addUserProperty(QByteArrayLiteral("start"), QByteArrayLiteral("earliest"));
    return properties;
}

QString EventSubscription::title() const
{
    QString title = application;
    if (!device.isEmpty() || !channel.isEmpty())
        title += QStringLiteral(" / ") + (device.isEmpty() ? QStringLiteral("*") : device);
    if (!channel.isEmpty())
        title += QStringLiteral(" / ") + channel;
    if (!sharedGroup.isEmpty())
        title += QStringLiteral(" [%1]").arg(sharedGroup);
    if (binary)
        title += QStringLiteral(" (binary)");
    return title;
}

QString EventSubscription::validate(mqtt::ProtocolVersion version) const
{
    if (application.isEmpty())
        return QStringLiteral("Name the application whose events to show.");
    for (const auto &[what, value] :
         {std::pair{QStringLiteral("application"), application}, std::pair{QStringLiteral("device"), device},
          std::pair{QStringLiteral("channel"), channel},
          std::pair{QStringLiteral("shared group"), sharedGroup}}) {
        if (!isPlainLevel(value))
            return QStringLiteral("The %1 may not contain '/', '+' or '#'.").arg(what);
    }
    if (version != mqtt::ProtocolVersion::V5 && (binary || fromEarliest))
        return QStringLiteral("Binary content mode and replay need MQTT 5; this connection speaks 3.1.1.");
    return {};
}

bool EventSubscription::operator==(const EventSubscription &o) const
{
    return application == o.application && device == o.device && channel == o.channel && binary == o.binary &&
           sharedGroup == o.sharedGroup && fromEarliest == o.fromEarliest && qos == o.qos;
}

} // namespace drover::ui
