#include "loopbackreplyhandler.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkReply>

namespace drover::ui {

LoopbackReplyHandler::LoopbackReplyHandler(QObject *parent)
    : QOAuthHttpServerReplyHandler(QHostAddress::LocalHost, 0, parent)
{
    setCallbackText(QStringLiteral("Drover: the login is complete. You can close this page and return to the "
                                   "console."));
}

void LoopbackReplyHandler::networkReplyFinished(QNetworkReply *reply)
{
    if (reply->error() == QNetworkReply::NoError) {
        QOAuthHttpServerReplyHandler::networkReplyFinished(reply);
        return;
    }
    const int status = reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
    const QJsonObject body = QJsonDocument::fromJson(reply->readAll()).object();
    const QString error = body.value(QLatin1String("error")).toString();
    QString description = body.value(QLatin1String("error_description")).toString();
    if (status == 0 || (error.isEmpty() && description.isEmpty()))
        description = reply->errorString();
    Q_EMIT tokenRequestFailed(error, description, status);
}

} // namespace drover::ui
