#include "devicehttpendpoint.h"

#include "httpexchange.h"

#include "auth/deviceauthenticator.h"
#include "backend/embeddedcommandbus.h"
#include "backend/eventlog.h"
#include "registry/deviceregistry.h"

#include <QHttpServerRequest>
#include <QHttpServerResponder>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLoggingCategory>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>
#include <QUrlQuery>

Q_LOGGING_CATEGORY(lcHttp, "drover.http")

namespace drover::http {

using Status = QHttpServerResponder::StatusCode;
using Outcome = backend::DeviceEventPublisher::Outcome;

namespace {

// The JSON error body of Drogue's endpoints: {"code": 403, "error": "...", "message": "..."}.
QByteArray errorBody(Status status, const QString &error, const QString &message)
{
    return QJsonDocument(QJsonObject{{QStringLiteral("code"), int(status)},
                                     {QStringLiteral("error"), error},
                                     {QStringLiteral("message"), message}})
        .toJson(QJsonDocument::Compact);
}

const QByteArray JsonType = QByteArrayLiteral("application/json");

HttpExchange::Headers jsonHeaders(HttpExchange::Headers extra = {})
{
    extra.prepend({QByteArrayLiteral("Content-Type"), JsonType});
    return extra;
}

// A header's value, whatever case the client spelled its name in.
QByteArray headerValue(const QHttpServerRequest &request, const QByteArray &name)
{
    for (const auto &[key, value] : request.headers()) {
        if (key.compare(name, Qt::CaseInsensitive) == 0)
            return value;
    }
    return {};
}

} // namespace

// What a POST carries from the request handler to the callbacks that finish it. The
// password is not kept: it goes to the registry's check and nowhere else.
struct DeviceHttpEndpoint::Post {
    QString application;
    QString device; // who authenticated
    QString as;     // the device the event is for: `device` or one it is a gateway for
    QString channel;
    QByteArray payload;
    QByteArray contentType;
    int commandTimeout = 0; // seconds; 0: answer as soon as the event is accepted
};

DeviceHttpEndpoint::DeviceHttpEndpoint(backend::EventLog *events, backend::EmbeddedCommandBus *commands,
                                       RegistryGetter registry, const QByteArray &instance,
                                       DeviceHttpLimits limits, QObject *parent)
    : QAbstractHttpServer(parent)
    , m_commands(commands)
    , m_registry(std::move(registry))
    , m_publisher(events, instance)
    , m_limits(limits)
{}

DeviceHttpEndpoint::~DeviceHttpEndpoint() = default;

bool DeviceHttpEndpoint::listen(const QHostAddress &address, quint16 port, QString *error)
{
    // Our own QTcpServer rather than QAbstractHttpServer::listen, which hides why it failed.
    auto *server = new QTcpServer(this);
    if (!server->listen(address, port)) {
        if (error)
            *error = server->errorString();
        delete server;
        return false;
    }
    bind(server);
    return true;
}

QStringList DeviceHttpEndpoint::urls() const
{
    QStringList urls;
    for (const QTcpServer *server : servers()) {
        const QHostAddress address = server->serverAddress();
        const QString host = address.protocol() == QAbstractSocket::IPv6Protocol
                                 ? QStringLiteral("[%1]").arg(address.toString())
                                 : address.toString();
        urls.append(QStringLiteral("http://%1:%2").arg(host).arg(server->serverPort()));
    }
    return urls;
}

void DeviceHttpEndpoint::close()
{
    for (QTcpServer *server : servers())
        server->close();
}

bool DeviceHttpEndpoint::handleRequest(const QHttpServerRequest &request, QTcpSocket *socket)
{
    QHttpServerResponder responder = makeResponder(request, socket);
    const auto refuse = [&](Status status, const QString &error, const QString &message,
                            HttpExchange::Headers headers = {}) {
        qCInfo(lcHttp).noquote() << request.url().path() << "from" << socket->peerAddress().toString()
                                 << "refused:" << int(status) << message;
        HttpExchange::write(responder, status, errorBody(status, error, message), jsonHeaders(headers));
        return true;
    };

    // Routes: POST /v1/<channel>[/<anything>]. As with Drogue, a longer path is accepted but
    // only its first level names the channel; the device comes from the credentials or ?as=.
    const QString path = request.url().path();
    const QString channel = path.section(QLatin1Char('/'), 2, 2);
    if (!path.startsWith(QLatin1String("/v1/")) || channel.isEmpty())
        return refuse(Status::NotFound, QStringLiteral("NotFound"),
                      QStringLiteral("devices POST to /v1/<channel>"));
    if (request.method() != QHttpServerRequest::Method::Post)
        return refuse(Status::MethodNotAllowed, QStringLiteral("MethodNotAllowed"),
                      QStringLiteral("only POST is allowed on %1").arg(path),
                      {{QByteArrayLiteral("Allow"), QByteArrayLiteral("POST")}});
    // QtHttpServer 6.4 hands over a request only once its whole body has arrived, so this
    // bounds what is kept and published, not what was read.
    if (request.body().size() > m_limits.maxBodyBytes)
        return refuse(Status::PayloadTooLarge, QStringLiteral("PayloadTooLarge"),
                      QStringLiteral("the body has %1 bytes; at most %2 are accepted")
                          .arg(request.body().size())
                          .arg(m_limits.maxBodyBytes));

    // Basic <base64 of device@application:password>. No or unreadable credentials get 401
    // with a challenge, so clients that wait for one send them.
    const HttpExchange::Headers challenge{
        {QByteArrayLiteral("WWW-Authenticate"), QByteArrayLiteral("Basic realm=\"drover\"")}};
    const QByteArray authorization = headerValue(request, QByteArrayLiteral("authorization")).trimmed();
    const auto unauthorized = [&](const QString &message) {
        return refuse(Status::Unauthorized, QStringLiteral("AuthenticationError"), message, challenge);
    };
    if (!authorization.startsWith("Basic ") && !authorization.startsWith("basic "))
        return unauthorized(QStringLiteral("basic authentication as <device>@<application> is required"));
    const auto decoded = QByteArray::fromBase64Encoding(authorization.mid(6).trimmed(),
                                                        QByteArray::AbortOnBase64DecodingErrors);
    const qsizetype colon = decoded.decoded.indexOf(':');
    if (!decoded || colon < 0)
        return unauthorized(QStringLiteral("the basic credentials cannot be read"));
    const QByteArray user = decoded.decoded.left(colon);
    const QByteArray password = decoded.decoded.mid(colon + 1);
    const QUrlQuery query = request.query();

    auto post = std::make_shared<Post>();
    if (!auth::DeviceAuthenticator::splitDeviceId(user, &post->application, &post->device)) {
        // Drogue's second form: user name <device> and ?application=<application>.
        post->application = query.queryItemValue(QStringLiteral("application"), QUrl::FullyDecoded);
        post->device = QString::fromUtf8(user);
        if (post->application.isEmpty() || post->device.isEmpty())
            return unauthorized(QStringLiteral("the user name must be <device>@<application>"));
    }
    post->as = query.hasQueryItem(QStringLiteral("as"))
                   ? query.queryItemValue(QStringLiteral("as"), QUrl::FullyDecoded)
                   : post->device;
    if (post->as.isEmpty())
        return refuse(Status::BadRequest, QStringLiteral("BadRequest"),
                      QStringLiteral("?as= names no device"));
    const QString ct = query.hasQueryItem(QStringLiteral("ct"))
                           ? query.queryItemValue(QStringLiteral("ct"))
                           : query.queryItemValue(QStringLiteral("commandTimeout"));
    if (!ct.isEmpty()) {
        bool ok = false;
        post->commandTimeout = ct.toInt(&ok);
        if (!ok || post->commandTimeout < 0)
            return refuse(Status::BadRequest, QStringLiteral("BadRequest"),
                          QStringLiteral("?ct= is a number of seconds, not '%1'").arg(ct));
        post->commandTimeout = qMin(post->commandTimeout, m_limits.maxCommandTimeoutSeconds);
    }
    post->channel = channel;
    post->payload = request.body();
    post->contentType = headerValue(request, QByteArrayLiteral("content-type"));

    // From here on the answer comes later: the responder moves into an exchange that lives
    // as long as the connection (QtHttpServer 6.4 lets a responder outlive the handler; it
    // writes to the socket directly).
    auto *exchange = new HttpExchange(std::move(responder), socket);
    const std::shared_ptr<const registry::DeviceRegistry> registry = m_registry();
    registry->verifyPassword(
        post->application, post->device, password, exchange,
        [this, exchange, post, registry](registry::VerifyResult result) {
            if (result != registry::VerifyResult::Ok) {
                // The log says why; the client learns only that it was refused, so it can't
                // probe which devices exist or are disabled.
                qCInfo(lcHttp).noquote() << "device" << post->device << "of" << post->application
                                         << "refused:" << registry::verifyResultName(result);
                return exchange->respond(
                    Status::Forbidden,
                    errorBody(Status::Forbidden, QStringLiteral("AuthenticationError"),
                              QStringLiteral("the device is not allowed to publish with these credentials")),
                    jsonHeaders());
            }
            if (post->as != post->device &&
                !registry->isGatewayFor(post->application, post->device, post->as))
                return exchange->respond(
                    Status::Forbidden,
                    errorBody(
                        Status::Forbidden, QStringLiteral("AuthenticationError"),
                        QStringLiteral("device %1 is not a gateway for '%2'").arg(post->device, post->as)),
                    jsonHeaders());
            authenticated(exchange, post);
        });
    return true;
}

void DeviceHttpEndpoint::missingHandler(const QHttpServerRequest &request, QTcpSocket *socket)
{
    // handleRequest answers every request; this is only reached if that changes.
    QHttpServerResponder responder = makeResponder(request, socket);
    HttpExchange::write(
        responder, Status::NotFound,
        errorBody(Status::NotFound, QStringLiteral("NotFound"), QStringLiteral("no such path")),
        jsonHeaders());
}

void DeviceHttpEndpoint::authenticated(HttpExchange *exchange, const std::shared_ptr<Post> &post)
{
    // The same message the MQTT device endpoint builds, so both give the same CloudEvent.
    cloudevents::DeviceMessage message;
    message.application = post->application.toUtf8();
    message.device = post->as.toUtf8();
    message.sender = post->device.toUtf8();
    message.channel = post->channel.toUtf8();
    message.payload = post->payload;
    message.contentType = post->contentType;
    m_publisher.publish(
        message, cloudevents::CloudEvent::DeviceEventType, exchange,
        [this, exchange, post](const Outcome &outcome) {
            using S = Outcome::Status;
            switch (outcome.status) {
            case S::Accepted:
                break;
            case S::InvalidPayload:
                return exchange->respond(
                    Status::NotAcceptable,
                    errorBody(Status::NotAcceptable, QStringLiteral("PayloadError"), outcome.message),
                    jsonHeaders());
            case S::Full: // never a silent drop: the device learns to retry later
            case S::Unavailable:
                return exchange->respond(Status::ServiceUnavailable,
                                         errorBody(Status::ServiceUnavailable,
                                                   QStringLiteral("ServiceUnavailable"), outcome.message),
                                         jsonHeaders());
            case S::UnknownApplication:
                return exchange->respond(
                    Status::Forbidden,
                    errorBody(Status::Forbidden, QStringLiteral("AuthenticationError"), outcome.message),
                    jsonHeaders());
            }
            qCDebug(lcHttp).noquote() << "event of device" << post->as << "of" << post->application
                                      << "on channel" << post->channel << "accepted";
            if (post->commandTimeout <= 0)
                return exchange->respond(Status::Accepted);
            waitForCommand(exchange, post->application, post->as, post->commandTimeout);
        });
}

void DeviceHttpEndpoint::waitForCommand(HttpExchange *exchange, const QString &application,
                                        const QString &device, int seconds)
{
    // Better than Drogue, which only sees commands sent while it waits: one that was queued
    // for the device (sent while nothing of it was connected) is delivered as well.
    const auto deliver = [this, exchange, application, device] {
        std::optional<backend::Command> command = m_commands->takeQueued(application, device);
        if (!command)
            return false; // another waiter for the same device took it first
        qCInfo(lcHttp).noquote() << "command" << command->name << "for device" << device << "of"
                                 << application << "delivered over HTTP";
        HttpExchange::Headers headers{{QByteArrayLiteral("command"), command->name.toUtf8()}};
        if (!command->contentType.isEmpty())
            headers.append({QByteArrayLiteral("Content-Type"), command->contentType});
        exchange->respond(Status::Ok, command->payload, headers);
        return true;
    };
    if (deliver())
        return;
    // Both with the exchange as context: they end with it (answered or disconnected).
    connect(m_commands, &backend::EmbeddedCommandBus::commandQueued, exchange,
            [exchange, application, device, deliver](const QString &app, const QString &dev) {
                if (!exchange->answered() && app == application && dev == device)
                    deliver();
            });
    QTimer::singleShot(seconds * 1000, exchange, [exchange] { exchange->respond(Status::Accepted); });
}

} // namespace drover::http
