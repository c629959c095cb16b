package org.odf2nna.cli;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * A command under {@link Main}: it prints to the parent's streams, shows progress on the parent's display, and
 * tells what it wrote in the same words as the other commands. Each has --help and --version.
 */
@Command(mixinStandardHelpOptions = true)
abstract class Subcommand implements Callable<Integer> {

    @ParentCommand
    Main main;

    @Spec
    CommandSpec spec;

    /** The options as given on this command line (defaults not counted). */
    final picocli.CommandLine.ParseResult given() {
        return spec.commandLine().getParseResult();
    }

    /** "wrote FILE" for a file written beside the model (the JSON report), when one was asked for. */
    final void printWrote(Path file) {
        if (file != null) {
            main.out.println("wrote " + file);
        }
    }

    /** A note line (such as {@link Main#writtenFormatNote}'s), when there is one. */
    final void printNote(String note) {
        if (note != null) {
            main.out.println(note);
        }
    }

    /** The note that {@code written} replaced a file that was there before the run, when it did. */
    final void printReplacedNote(Set<Path> before, Object written) {
        if (!Main.replaced(before, written).isEmpty()) {
            main.out.println("note: " + written + " replaced the file that was there");
        }
    }
}
