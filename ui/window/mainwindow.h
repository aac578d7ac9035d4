// One console window: one connection (the embedded gateway or a remote endpoint), a tab
// per subscription, the command composer beside them, and the connection's state, rate
// and login in the status bar. Several windows may be open, each with its own connection.
#pragma once

#include "consoleconnection.h"

#include <QMainWindow>
#include <QPointer>

class QAction;
class QDockWidget;
class QLabel;
class QTabWidget;

namespace drover::ui {

class CommandComposer;
class SubscriptionTab;

class MainWindow : public QMainWindow
{
    Q_OBJECT
public:
    // Takes ownership of `connection`. `applications` seeds the subscription dialog and the
    // composer (the embedded gateway knows its applications; a remote one doesn't say).
    MainWindow(ConsoleConnection *connection, const QStringList &applications, QWidget *parent = nullptr);
    ~MainWindow() override;

    ConsoleConnection *connection() const { return m_connection; }
    QTabWidget *tabs() const { return m_tabs; }
    CommandComposer *composer() const { return m_composer; }
    SubscriptionTab *currentTab() const;
    QList<SubscriptionTab *> subscriptionTabs() const;

    // Opens a tab for `subscription` (no dialog); returns it.
    SubscriptionTab *addSubscription(const EventSubscription &subscription);
    // Extra text for the status bar's login part ("Logged in as alice until 14:32").
    void setLoginText(const QString &text);
    // A notice above the tabs (empty: none), e.g. a listener the gateway could not open.
    void setNotice(const QString &text);
    // The window title's "where": the connection's description by default.
    void setPlaceTitle(const QString &title);

public Q_SLOTS:
    void newSubscription();
    void closeCurrentTab();

Q_SIGNALS:
    void newWindowRequested();
    void profilesRequested();
    void loginRequested();
    void logoutRequested();

protected:
    void showEvent(QShowEvent *event) override;
    void closeEvent(QCloseEvent *event) override;

private:
    void buildActions();
    void updateStatus();
    void updateActions();
    void route(int id, const QList<ReceivedEvent> &events);

    ConsoleConnection *m_connection;
    QStringList m_applications;
    QTabWidget *m_tabs;
    CommandComposer *m_composer;
    QDockWidget *m_composerDock;
    QLabel *m_state;
    QLabel *m_rate;
    QLabel *m_login;
    QLabel *m_notice = nullptr;
    QAction *m_connect = nullptr;
    QAction *m_disconnect = nullptr;
    QString m_placeTitle;
    bool m_sized = false;
};

} // namespace drover::ui
