// Edits one connection profile: where (URL, MQTT version, client id, CA file) and how to
// log in (anonymous, OAuth2 with its issuer and client, API key or password with their user
// name). Secrets are not entered here: the login asks for them.
#pragma once

#include "auth/connectionprofile.h"

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QStackedWidget;

namespace drover::ui {

class ProfileDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ProfileDialog(const ConnectionProfile &profile, QWidget *parent = nullptr);

    ConnectionProfile profile() const;

private:
    void validate();

    ConnectionProfile m_profile;
    QLineEdit *m_name;
    QLineEdit *m_url;
    QComboBox *m_version;
    QLineEdit *m_clientId;
    QLineEdit *m_caFile;
    QComboBox *m_auth;
    QStackedWidget *m_authPages;
    QLineEdit *m_issuer;
    QLineEdit *m_oauthClientId;
    QLineEdit *m_scopes;
    QLineEdit *m_audience;
    QComboBox *m_placement;
    QLineEdit *m_username;
    QLabel *m_problems;
};

} // namespace drover::ui
