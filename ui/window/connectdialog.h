// Where a new console window connects: the embedded gateway (when the console runs one) or
// a saved connection profile, which can be added, edited and removed here. Also tells
// where secrets will be kept (the system keychain, or why not) and lets the user allow a
// plain file where no keychain exists.
#pragma once

#include "auth/connectionprofile.h"

#include <QDialog>
#include <optional>

class QCheckBox;
class QLabel;
class QListWidget;
class QPushButton;

namespace drover::ui {

class ProfileStore;
class SecretStore;

class ConnectDialog : public QDialog
{
    Q_OBJECT
public:
    ConnectDialog(ProfileStore *profiles, SecretStore *secrets, bool embeddedAvailable,
                  QWidget *parent = nullptr);

    // After Open: the chosen profile, or nullopt for the embedded gateway.
    std::optional<ConnectionProfile> chosenProfile() const { return m_chosen; }

private:
    void fill();
    void addProfile();
    void editProfile();
    void removeProfile();
    void updateNotice();
    QString selectedId() const;

    ProfileStore *m_profiles;
    SecretStore *m_secrets;
    bool m_embedded;
    QListWidget *m_list;
    QPushButton *m_open;
    QPushButton *m_edit;
    QPushButton *m_remove;
    QLabel *m_notice;
    QCheckBox *m_allowFile;
    std::optional<ConnectionProfile> m_chosen;
};

} // namespace drover::ui
