pub(crate) fn serve(_a: &super::args::ServeArgs) -> anyhow::Result<std::process::ExitCode> {
    todo!()
}
