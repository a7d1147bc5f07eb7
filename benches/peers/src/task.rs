//! A task on either executor, awaited or cancelled the same way.

/// A spawned task of the harness: on smol's global executor (this project's client) or
/// on the tokio runtime (the other implementations' clients).
#[derive(Debug)]
pub enum Spawned {
    /// On smol's global executor.
    Smol(smol::Task<()>),
    /// On the process's tokio runtime.
    Tokio(tokio::task::JoinHandle<()>),
}

impl Spawned {
    /// Waits for the task to end (a task that panicked counts as ended).
    pub async fn join(&mut self) {
        match self {
            Spawned::Smol(t) => t.await,
            Spawned::Tokio(t) => {
                let _ = t.await;
            }
        }
    }

    /// Stops the task where it is.
    pub async fn cancel(self) {
        match self {
            Spawned::Smol(t) => {
                t.cancel().await;
            }
            Spawned::Tokio(t) => t.abort(),
        }
    }
}
