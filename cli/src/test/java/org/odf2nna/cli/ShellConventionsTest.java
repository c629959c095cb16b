package org.odf2nna.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.odf2nna.testing.Skips;
import picocli.CommandLine;

/**
 * What a shell user expects (issue 42): each command's --help ends with examples that are valid command lines, and
 * {@code completion bash|zsh} prints a script that, sourced, completes the tool.
 */
class ShellConventionsTest {

    static final List<String> COMMANDS = List.of("shrink", "sweep", "convert", "inspect", "evolve", "eval", "build",
            "run", "reproduce", "bench");

    @TempDir
    Path dir;

    @Test
    void everyCommandsHelpEndsWithExamplesThatParse() {
        for (String command : COMMANDS) {
            CliRun help = CliRun.of(command, "--help");
            assertEquals(0, help.exitCode(), help.toString());
            List<String> lines = help.out().stripTrailing().lines().toList();
            int examples = lines.indexOf("Examples:");
            assertTrue(examples > 0, command + " --help has an Examples: section:\n" + help.out());
            // Each example starts a line; a long one goes on, after " \\", on indented lines, as in a shell.
            List<String> shown = new ArrayList<>();
            for (String line : lines.subList(examples + 1, lines.size())) {
                if (!shown.isEmpty() && shown.get(shown.size() - 1).endsWith(" \\")) {
                    assertTrue(line.startsWith("        "), command + ": a continued example goes on indented: " + line);
                    String previous = shown.remove(shown.size() - 1);
                    shown.add(previous.substring(0, previous.length() - 1) + line.strip());
                } else {
                    shown.add(line);
                }
            }
            assertTrue(!shown.isEmpty() && shown.size() <= 2, command + ": one or two examples, last:\n" + help.out());
            for (String example : shown) {
                assertTrue(example.startsWith("  odf2nna-onnx " + command + " "), command + ": " + example);
                String[] args = example.strip().substring("odf2nna-onnx ".length()).split("\\s+");
                CommandLine cli = new CommandLine(new Main());
                cli.setCaseInsensitiveEnumValuesAllowed(true);
                cli.parseArgs(args); // a ParameterException fails the test: the example would be a usage error
            }
        }
    }

    @Test
    void completionBashIsASourceableScriptThatCompletesTheTool() throws Exception {
        Skips.requireTool(Files.isExecutable(Path.of("/bin/bash")), "/bin/bash", "apt-get install bash");
        CliRun run = CliRun.of("completion", "bash");
        assertEquals(0, run.exitCode(), run.toString());
        assertEquals("", run.err());
        for (String word : List.of("shrink", "sweep", "--epsilon", "--max-drop", "completion")) {
            assertTrue(run.out().contains(word), word + " is completed");
        }
        Path script = Files.writeString(dir.resolve("odf2nna-onnx.bash"), run.out());
        Shell sourced = shell("bash", "source " + script + " && complete -p odf2nna-onnx");
        assertEquals(0, sourced.exitCode(), sourced.toString());
        assertTrue(sourced.out().strip().startsWith("complete ") && sourced.out().strip().endsWith(" odf2nna-onnx"),
                sourced.toString());
        // The words bash offers after "odf2nna-onnx sh" and after "odf2nna-onnx shrink --eps".
        Shell words = shell("bash", "source " + script + " && COMP_WORDS=(odf2nna-onnx sh) COMP_CWORD=1 "
                + "COMP_LINE='odf2nna-onnx sh' COMP_POINT=15 && _complete_odf2nna-onnx && echo \"${COMPREPLY[@]}\" "
                + "&& COMP_WORDS=(odf2nna-onnx shrink --eps) COMP_CWORD=2 COMP_LINE='odf2nna-onnx shrink --eps' "
                + "COMP_POINT=25 && _complete_odf2nna-onnx && echo \"${COMPREPLY[@]}\"");
        assertEquals(0, words.exitCode(), words.toString());
        assertEquals(List.of("shrink", "--epsilon"), words.out().strip().lines().map(String::strip).toList(),
                words.toString());
    }

    @Test
    void completionZshIsTheSameScriptAndLoadsInZsh() throws Exception {
        CliRun zsh = CliRun.of("completion", "zsh");
        assertEquals(0, zsh.exitCode(), zsh.toString());
        assertEquals(CliRun.of("completion", "bash").out(), zsh.out(), "one script, which sets zsh up itself");
        assertTrue(zsh.out().contains("bashcompinit"), "it turns on zsh's bash-completion emulation");
        assertEquals(2, CliRun.of("completion", "fish").exitCode(), "an unknown shell is a usage error");
        Path binary = Path.of("/usr/bin/zsh");
        Skips.requireTool(Files.isExecutable(binary), "/usr/bin/zsh, which loads the script", "apt-get install zsh");
        Path script = Files.writeString(dir.resolve("odf2nna-onnx.zsh"), zsh.out());
        Shell sourced = shell("zsh", "source " + script + " && complete -p odf2nna-onnx");
        assertEquals(0, sourced.exitCode(), sourced.toString());
        assertTrue(sourced.out().contains("odf2nna-onnx"), sourced.toString());
    }

    record Shell(int exitCode, String out, String err) {
    }

    private Shell shell(String shell, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(shell, "-c", script).directory(dir.toFile())
                .redirectError(dir.resolve("err.txt").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), shell + " finished");
        return new Shell(p.exitValue(), out, Files.readString(dir.resolve("err.txt")));
    }
}
