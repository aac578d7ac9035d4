#include "serveraddress.h"

#include "tcptransport.h"
#include "websockettransport.h"

namespace drover::client {

namespace {

struct SchemeInfo {
    ServerAddress::Scheme scheme;
    QLatin1String name;
    quint16 port;
};

const SchemeInfo schemes[] = {
    {ServerAddress::Scheme::Mqtt, QLatin1String("mqtt"), 1883},
    {ServerAddress::Scheme::Mqtts, QLatin1String("mqtts"), 8883},
    {ServerAddress::Scheme::Ws, QLatin1String("ws"), 80},
    {ServerAddress::Scheme::Wss, QLatin1String("wss"), 443},
};

const SchemeInfo &infoOf(ServerAddress::Scheme scheme)
{
    for (const SchemeInfo &info : schemes) {
        if (info.scheme == scheme)
            return info;
    }
    return schemes[0];
}

const QString DefaultWebSocketPath = QStringLiteral("/mqtt");

} // namespace

ServerAddress::ServerAddress(Scheme scheme, QString host, quint16 port, QString path)
    : m_scheme(scheme)
    , m_host(std::move(host))
    , m_port(port != 0 ? port : defaultPort(scheme))
    , m_path(isWebSocket() ? (path.isEmpty() ? DefaultWebSocketPath : std::move(path)) : QString())
{}

std::optional<ServerAddress> ServerAddress::parse(const QString &text, QString *error)
{
    const auto fail = [&](const QString &reason) -> std::optional<ServerAddress> {
        if (error)
            *error = QStringLiteral("invalid server address \"%1\": %2").arg(text, reason);
        return std::nullopt;
    };
    const qsizetype separator = text.indexOf(QLatin1String("://"));
    if (separator <= 0)
        return fail(QStringLiteral("expected SCHEME://HOST[:PORT], e.g. mqtt://127.0.0.1:1883 or "
                                   "ws://127.0.0.1:8080/mqtt"));
    const QString schemeText = text.left(separator).toLower();
    const SchemeInfo *info = nullptr;
    for (const SchemeInfo &candidate : schemes) {
        if (schemeText == candidate.name)
            info = &candidate;
    }
    if (!info)
        return fail(QStringLiteral("unknown scheme \"%1\"; expected mqtt, mqtts, ws or wss").arg(schemeText));

    const QUrl url(text, QUrl::StrictMode);
    if (!url.isValid())
        return fail(url.errorString());
    if (!url.userInfo().isEmpty())
        return fail(QStringLiteral("user info in the address; give credentials as the user name and "
                                   "password, not in the address"));
    if (url.host().isEmpty())
        return fail(QStringLiteral("missing host"));
    if (url.hasQuery() || url.hasFragment())
        return fail(QStringLiteral("a query or fragment has no meaning here"));
    const int port = url.port(-1); // QUrl itself refuses ports above 65535
    if (port == 0)
        return fail(QStringLiteral("port 0; expected 1 to 65535"));
    const ServerAddress result(info->scheme, url.host(), quint16(std::max(port, 0)), url.path());
    if (!result.isWebSocket() && !url.path().isEmpty() && url.path() != QLatin1String("/"))
        return fail(QStringLiteral("%1:// addresses have no path").arg(info->name));
    return result;
}

quint16 ServerAddress::defaultPort(Scheme scheme)
{
    return infoOf(scheme).port;
}

QString ServerAddress::schemeName(Scheme scheme)
{
    return infoOf(scheme).name;
}

QString ServerAddress::toString() const
{
    const QString host =
        m_host.contains(QLatin1Char(':')) ? QLatin1Char('[') + m_host + QLatin1Char(']') : m_host;
    return QStringLiteral("%1://%2:%3%4").arg(schemeName(m_scheme), host).arg(m_port).arg(m_path);
}

QUrl ServerAddress::webSocketUrl() const
{
    if (!isWebSocket())
        return QUrl();
    QUrl url;
    url.setScheme(schemeName(m_scheme));
    url.setHost(m_host);
    url.setPort(m_port);
    url.setPath(m_path);
    return url;
}

MqttClient::TransportFactory ServerAddress::transportFactory(std::optional<QSslConfiguration> tls) const
{
    std::optional<QSslConfiguration> configuration;
    if (isTls())
        configuration = tls ? *tls : QSslConfiguration::defaultConfiguration();
    return [address = *this, configuration]() -> ClientTransport * {
        if (address.isWebSocket())
            return new WebSocketTransport(address.webSocketUrl(), configuration);
        return new TcpTransport(address.host(), address.port(), configuration);
    };
}

} // namespace drover::client
