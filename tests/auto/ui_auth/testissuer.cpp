#include "testissuer.h"

#include <QDeadlineTimer>
#include <QEventLoop>
#include <QFileInfo>
#include <QJsonDocument>
#include <QNetworkAccessManager>
#include <QNetworkReply>
#include <QTimer>
#include <QUrlQuery>

TestIssuer::TestIssuer() = default;

TestIssuer::~TestIssuer()
{
    stop();
}

QString TestIssuer::unavailableReason()
{
    const QString node = QStringLiteral(DROVER_NODE_EXECUTABLE);
    if (node.isEmpty() || !QFileInfo(node).isExecutable())
        return QStringLiteral("Node.js was not found when the build was configured; scripts/install-deps "
                              "installs it");
    const QString modules = QFileInfo(QStringLiteral(DROVER_OIDC_ISSUER_SCRIPT)).absolutePath() +
                            QStringLiteral("/node_modules/oidc-provider/package.json");
    if (!QFileInfo::exists(modules))
        return QStringLiteral(
            "the npm packages of tests/oidc are not installed; scripts/install-deps runs npm ci "
            "there");
    return {};
}

bool TestIssuer::start(int accessTokenTtl, QString *error, quint16 port)
{
    stop();
    m_process = std::make_unique<QProcess>();
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("ACCESS_TOKEN_TTL"), QString::number(accessTokenTtl));
    env.insert(QStringLiteral("PORT"), QString::number(port));
    m_process->setProcessEnvironment(env);
    m_process->setWorkingDirectory(QFileInfo(QStringLiteral(DROVER_OIDC_ISSUER_SCRIPT)).absolutePath());
    m_process->setProgram(QStringLiteral(DROVER_NODE_EXECUTABLE));
    m_process->setArguments({QStringLiteral(DROVER_OIDC_ISSUER_SCRIPT)});
    m_process->start();

    // "issuer listening on http://127.0.0.1:PORT", within a bounded wait.
    QDeadlineTimer deadline(20000);
    QByteArray out;
    while (!deadline.hasExpired()) {
        if (m_process->state() == QProcess::NotRunning)
            break;
        m_process->waitForReadyRead(int(qBound(qint64(1), deadline.remainingTime(), qint64(500))));
        out += m_process->readAllStandardOutput();
        m_stderr += m_process->readAllStandardError();
        const int at = out.indexOf("issuer listening on ");
        const int end = at >= 0 ? out.indexOf('\n', at) : -1;
        if (end > at) {
            m_url = QUrl(QString::fromUtf8(out.mid(at + 20, end - at - 20).trimmed()));
            return true;
        }
    }
    m_stderr += m_process->readAllStandardError();
    if (error)
        *error = QStringLiteral("the issuer did not start: %1").arg(QString::fromUtf8(m_stderr));
    stop();
    return false;
}

void TestIssuer::stop()
{
    if (!m_process)
        return;
    if (m_process->state() != QProcess::NotRunning) {
        m_process->terminate();
        if (!m_process->waitForFinished(5000)) {
            m_process->kill();
            m_process->waitForFinished(5000);
        }
    }
    m_process.reset();
}

bool TestIssuer::isRunning() const
{
    return m_process && m_process->state() == QProcess::Running;
}

QByteArray TestIssuer::standardError() const
{
    return m_stderr + (m_process ? m_process->readAllStandardError() : QByteArray());
}

TestIssuer::Reply TestIssuer::post(const QUrl &url, const QByteArray &form, int timeoutMs)
{
    QNetworkAccessManager nam;
    QNetworkRequest request(url);
    request.setHeader(QNetworkRequest::ContentTypeHeader,
                      QByteArrayLiteral("application/x-www-form-urlencoded"));
    request.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = nam.post(request, form);
    QEventLoop loop;
    QObject::connect(reply, &QNetworkReply::finished, &loop, &QEventLoop::quit);
    QTimer::singleShot(timeoutMs + 1000, &loop, &QEventLoop::quit);
    if (!reply->isFinished())
        loop.exec();
    Reply out;
    out.status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    out.body = reply->readAll();
    delete reply;
    return out;
}

bool TestIssuer::revokeAll()
{
    return post(m_url.resolved(QUrl(QStringLiteral("/test/revoke-all"))), {}).status == 200;
}

QJsonObject TestIssuer::verifyAccessToken(const QByteArray &token)
{
    const Reply reply = post(m_url.resolved(QUrl(QStringLiteral("/test/verify-access-token"))),
                             "token=" + QUrl::toPercentEncoding(QString::fromUtf8(token)));
    return QJsonDocument::fromJson(reply.body).object();
}
