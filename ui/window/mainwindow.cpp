#include "mainwindow.h"

#include "subscriptiondialog.h"
#include "subscriptiontab.h"

#include "commands/commandcomposer.h"
#include "commands/commandpublisher.h"
#include "events/eventmodel.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QKeySequence>
#include <QLabel>
#include <QLocale>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

namespace drover::ui {

MainWindow::MainWindow(ConsoleConnection *connection, const QStringList &applications, QWidget *parent)
    : QMainWindow(parent)
    , m_connection(connection)
    , m_applications(applications)
    , m_tabs(new QTabWidget(this))
    , m_composer(nullptr)
    , m_composerDock(new QDockWidget(tr("Send a command"), this))
    , m_state(new QLabel(this))
    , m_rate(new QLabel(this))
    , m_login(new QLabel(this))
{
    m_connection->setParent(this);
    setObjectName(QStringLiteral("consoleWindow"));
    setWindowIcon(QIcon(QStringLiteral(":/drover/drover.svg")));
    m_placeTitle = m_connection->target().description;

    m_tabs->setTabsClosable(true);
    m_tabs->setMovable(true);
    m_tabs->setDocumentMode(true);
    connect(m_tabs, &QTabWidget::tabCloseRequested, this, [this](int index) {
        m_tabs->setCurrentIndex(index);
        closeCurrentTab();
    });
    // A notice above the tabs for what the operator should know but need not act on now.
    m_notice = new QLabel(this);
    m_notice->setObjectName(QStringLiteral("notice"));
    m_notice->setWordWrap(true);
    m_notice->setStyleSheet(
        QStringLiteral("QLabel { background: palette(tooltip-base); color: palette(tooltip-text); "
                       "padding: 6px; border-radius: 3px; }"));
    m_notice->hide();
    auto *central = new QWidget(this);
    auto *centralLayout = new QVBoxLayout(central);
    centralLayout->setContentsMargins(0, 0, 0, 0);
    centralLayout->addWidget(m_notice);
    centralLayout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    // The composer's history and templates outlive the window, like any settings.
    auto *settings = new QSettings(this);
    m_composer = new CommandComposer(settings, m_composerDock);
    m_composer->setObjectName(QStringLiteral("composer"));
    m_composer->setProtocolVersion(m_connection->version());
    m_composer->setApplications(applications);
    auto *publisher = new CommandPublisher(m_composer, m_connection->client(), this);
    Q_UNUSED(publisher); // connects itself to the composer's sendRequested()
    m_composerDock->setObjectName(QStringLiteral("composerDock"));
    m_composerDock->setWidget(m_composer);
    m_composerDock->setFeatures(QDockWidget::DockWidgetMovable | QDockWidget::DockWidgetFloatable |
                                QDockWidget::DockWidgetClosable);
    addDockWidget(Qt::RightDockWidgetArea, m_composerDock);
    if (!applications.isEmpty()) {
        CommandRequest start;
        start.application = applications.constFirst();
        m_composer->loadRequest(start, true);
    }

    m_state->setObjectName(QStringLiteral("connectionState"));
    m_rate->setObjectName(QStringLiteral("eventRate"));
    m_login->setObjectName(QStringLiteral("loginState"));
    m_state->setSizePolicy(QSizePolicy::Ignored, QSizePolicy::Preferred); // changing text, fixed room
    statusBar()->addWidget(m_state, 1);
    statusBar()->addPermanentWidget(m_login);
    statusBar()->addPermanentWidget(m_rate);

    connect(m_connection, &ConsoleConnection::stateChanged, this, [this] {
        updateStatus();
        updateActions();
    });
    connect(m_connection, &ConsoleConnection::statsChanged, this, &MainWindow::updateStatus);
    connect(m_connection, &ConsoleConnection::eventsReceived, this, &MainWindow::route);
    connect(m_connection, &ConsoleConnection::subscriptionRefused, this,
            [this](int id, const QString &reason) {
                for (SubscriptionTab *tab : subscriptionTabs()) {
                    if (tab->id() == id)
                        tab->setRefused(reason);
                }
            });
    connect(m_connection, &ConsoleConnection::undecodable, this,
            [this](const QString &reason) { statusBar()->showMessage(reason, 5000); });
    buildActions();
    updateStatus();
    updateActions();
    resize(1280, 800);
}

MainWindow::~MainWindow() = default;

void MainWindow::buildActions()
{
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *newWindow = file->addAction(tr("New &Window…"), this, &MainWindow::newWindowRequested);
    newWindow->setShortcut(QKeySequence::New);
    QAction *exportAction = file->addAction(tr("&Export Events…"), this, [this] {
        if (SubscriptionTab *tab = currentTab())
            tab->exportInteractively();
    });
    exportAction->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_E));
    file->addSeparator();
    file->addAction(tr("&Close Window"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_W), this,
                    &QWidget::close);
    QAction *quit = file->addAction(tr("&Quit"), qApp, &QApplication::closeAllWindows);
    quit->setShortcut(QKeySequence::Quit);

    QMenu *connectionMenu = menuBar()->addMenu(tr("&Connection"));
    m_connect = connectionMenu->addAction(tr("&Connect"), this, [this] { m_connection->open(); });
    m_disconnect = connectionMenu->addAction(tr("&Disconnect"), this, [this] { m_connection->close(); });
    connectionMenu->addSeparator();
    connectionMenu->addAction(tr("&Profiles…"), this, &MainWindow::profilesRequested);
    connectionMenu->addAction(tr("Log &In…"), this, &MainWindow::loginRequested);
    connectionMenu->addAction(tr("Log &Out"), this, &MainWindow::logoutRequested);

    QMenu *events = menuBar()->addMenu(tr("&Events"));
    QAction *subscribe = events->addAction(tr("&New Subscription…"), this, &MainWindow::newSubscription);
    subscribe->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_T));
    QAction *closeTab = events->addAction(tr("&Close Subscription"), this, &MainWindow::closeCurrentTab);
    closeTab->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_W));
    events->addSeparator();
    QAction *pause = events->addAction(tr("&Pause / Resume"), this, [this] {
        if (SubscriptionTab *tab = currentTab())
            tab->togglePause();
    });
    pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_P));
    QAction *clear = events->addAction(tr("C&lear"), this, [this] {
        if (SubscriptionTab *tab = currentTab())
            tab->clear();
    });
    clear->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_L));
    QAction *find = events->addAction(tr("&Filter…"), this, [this] {
        if (SubscriptionTab *tab = currentTab())
            tab->focusFilter();
    });
    find->setShortcut(QKeySequence::Find);

    QMenu *commands = menuBar()->addMenu(tr("Co&mmands"));
    QAction *showComposer = m_composerDock->toggleViewAction();
    showComposer->setText(tr("Show &Composer"));
    showComposer->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_K));
    commands->addAction(showComposer);
    QAction *sendAgain = commands->addAction(tr("Send &Again"), m_composer, &CommandComposer::sendAgainLast);
    sendAgain->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_Return));

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About Drover"), this, [this] {
        QMessageBox::about(
            this, tr("About Drover"),
            tr("<h3>Drover %1</h3><p>Device events as CloudEvents over MQTT, and commands back to "
               "devices.</p>"
               "<p>Shortcuts: Ctrl+T new subscription, Ctrl+W close it, Ctrl+P pause, Ctrl+L clear, Ctrl+F "
               "filter, Ctrl+E export, Ctrl+K composer, Ctrl+Return send, Ctrl+N new window.</p>")
                .arg(QApplication::applicationVersion()));
    });

    QToolBar *bar = addToolBar(tr("Connection"));
    bar->setObjectName(QStringLiteral("connectionToolBar"));
    bar->setMovable(false);
    bar->addAction(m_connect);
    bar->addAction(m_disconnect);
    bar->addSeparator();
    bar->addAction(subscribe);
    bar->addAction(showComposer);
}

void MainWindow::setPlaceTitle(const QString &title)
{
    m_placeTitle = title;
    updateStatus();
}

void MainWindow::setNotice(const QString &text)
{
    m_notice->setText(text);
    m_notice->setVisible(!text.isEmpty());
}

void MainWindow::setLoginText(const QString &text)
{
    m_login->setText(text);
}

void MainWindow::updateStatus()
{
    setWindowTitle(tr("%1 — Drover").arg(m_placeTitle));
    m_state->setText(m_connection->statusText());
    const QLocale locale;
    const double rate = m_connection->eventsPerSecond();
    m_rate->setText(tr("%1 events/s · %2 received")
                        .arg(locale.toString(rate, 'f', rate < 10 ? 1 : 0),
                             locale.toString(qint64(m_connection->receivedCount()))));
}

void MainWindow::updateActions()
{
    const ConsoleConnection::State state = m_connection->state();
    const bool active = state == ConsoleConnection::State::Online ||
                        state == ConsoleConnection::State::Connecting ||
                        state == ConsoleConnection::State::Reconnecting;
    m_connect->setEnabled(!active);
    m_disconnect->setEnabled(active);
}

SubscriptionTab *MainWindow::currentTab() const
{
    return qobject_cast<SubscriptionTab *>(m_tabs->currentWidget());
}

QList<SubscriptionTab *> MainWindow::subscriptionTabs() const
{
    QList<SubscriptionTab *> tabs;
    for (int i = 0; i < m_tabs->count(); ++i) {
        if (auto *tab = qobject_cast<SubscriptionTab *>(m_tabs->widget(i)))
            tabs.append(tab);
    }
    return tabs;
}

SubscriptionTab *MainWindow::addSubscription(const EventSubscription &subscription)
{
    const int id = m_connection->subscribe(subscription);
    auto *tab = new SubscriptionTab(id, subscription, m_tabs);
    connect(tab, &SubscriptionTab::devicesSeen, m_composer, &CommandComposer::setKnownDevices);
    const int index = m_tabs->addTab(tab, subscription.title());
    m_tabs->setTabToolTip(index, QString::fromUtf8(subscription.filter()));
    m_tabs->setCurrentIndex(index);
    if (!m_applications.contains(subscription.application)) {
        m_applications.append(subscription.application);
        m_composer->setApplications(m_applications);
    }
    return tab;
}

void MainWindow::newSubscription()
{
    SubscriptionDialog dialog(m_connection->version(), m_applications, this);
    if (SubscriptionTab *tab = currentTab()) {
        EventSubscription like = tab->subscription();
        like.device.clear();
        like.channel.clear();
        dialog.setSubscription(like);
    }
    if (dialog.exec() == QDialog::Accepted)
        addSubscription(dialog.subscription());
}

void MainWindow::closeCurrentTab()
{
    SubscriptionTab *tab = currentTab();
    if (!tab)
        return;
    m_connection->unsubscribe(tab->id());
    m_tabs->removeTab(m_tabs->indexOf(tab));
    tab->deleteLater();
}

void MainWindow::route(int id, const QList<ReceivedEvent> &events)
{
    for (SubscriptionTab *tab : subscriptionTabs()) {
        if (tab->id() == id) {
            tab->addEvents(events);
            return;
        }
    }
}

void MainWindow::showEvent(QShowEvent *event)
{
    QMainWindow::showEvent(event);
    if (m_sized)
        return;
    m_sized = true;
    // The events are the main thing; the composer takes a column beside them. (Dock sizes
    // apply only once the window is laid out.)
    QTimer::singleShot(0, this,
                       [this] { resizeDocks({m_composerDock}, {width() * 3 / 10}, Qt::Horizontal); });
}

void MainWindow::closeEvent(QCloseEvent *event)
{
    m_connection->close();
    event->accept();
}

} // namespace drover::ui
