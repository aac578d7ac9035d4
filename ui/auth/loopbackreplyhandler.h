// The loopback redirect of the browser login (RFC 8252 7.3): QtNetworkAuth's HTTP server
// reply handler, listening on 127.0.0.1 only (not every interface), on a free port. It also
// reports a failed token request: Qt 6.4 only logs a warning for those, and the login would
// wait forever.
#pragma once

#include <QOAuthHttpServerReplyHandler>

namespace drover::ui {

class LoopbackReplyHandler : public QOAuthHttpServerReplyHandler
{
    Q_OBJECT
public:
    explicit LoopbackReplyHandler(QObject *parent = nullptr);

Q_SIGNALS:
    // The token endpoint refused (error and description from its JSON answer, RFC 6749
    // 5.2), or could not be reached (error empty, description says why).
    void tokenRequestFailed(const QString &error, const QString &description, int httpStatus);

protected:
    void networkReplyFinished(QNetworkReply *reply) override;
};

} // namespace drover::ui
