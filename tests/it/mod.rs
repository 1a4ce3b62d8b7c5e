mod cli;
mod common;
mod probe;
mod scripted;
