// The console process: its windows (the embedded gateway's, if it runs one, and one per
// connection profile opened), the saved profiles and the secret store, and the login of
// each profile's window.
#pragma once

#include "client/mqttclient.h"

#include <QObject>
#include <QPointer>
#include <QStringList>
#include <QUrl>
#include <functional>
#include <memory>
#include <optional>

namespace drover::ui {

struct ConnectionProfile;
class MainWindow;
class ProfileStore;
class SecretStore;
class TokenSession;

class Console : public QObject
{
    Q_OBJECT
public:
    // The gateway the console runs itself, reached in-process.
    struct Embedded {
        client::MqttClient::TransportFactory transport;
        QString description;        // "embedded gateway (mqtt://127.0.0.1:1883)"
        QStringList applications;   // for the dialogs and the composer
        QString defaultApplication; // a tab for it opens with the window (the demo's)
    };

    // profilesFile: a settings file for the profiles (tests); empty: the application's.
    Console(std::optional<Embedded> embedded, std::unique_ptr<SecretStore> secrets,
            const QString &profilesFile = {}, QObject *parent = nullptr);
    ~Console() override;

    ProfileStore *profiles() const { return m_profiles.get(); }
    SecretStore *secrets() const { return m_secrets.get(); }
    bool hasEmbedded() const { return m_embedded.has_value(); }
    // How OAuth2 logins reach the user (default: the system browser); tests script it.
    void setBrowserOpener(std::function<void(const QUrl &)> opener) { m_browserOpener = std::move(opener); }
    void setEmbedded(const Embedded &embedded) { m_embedded = embedded; }

    MainWindow *openEmbedded();
    MainWindow *openProfile(const ConnectionProfile &profile);
    // --connect URL: the saved profile with that URL, else an anonymous one for this session.
    MainWindow *openUrl(const QString &url, QString *error);
    // Asks where to connect (the embedded gateway or a profile) and opens a window for it.
    void chooseAndOpen(QWidget *parent);

    QList<MainWindow *> windows() const;

private:
    MainWindow *track(MainWindow *window);
    void askSecret(MainWindow *window, TokenSession *session);

    std::optional<Embedded> m_embedded;
    std::unique_ptr<SecretStore> m_secrets;
    std::unique_ptr<ProfileStore> m_profiles;
    QList<QPointer<MainWindow>> m_windows;
    std::function<void(const QUrl &)> m_browserOpener;
};

} // namespace drover::ui
