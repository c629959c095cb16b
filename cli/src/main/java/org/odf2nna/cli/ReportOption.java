package org.odf2nna.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** --report, the JSON copy of the printed report (evolve, shrink, sweep, run). */
final class ReportOption {

    @Option(names = "--report", paramLabel = "FILE.json", description = "Also write the report as JSON.")
    Path path;
}
