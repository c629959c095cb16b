<#-- THIRD-PARTY.txt of the release archive (license-maven-plugin's add-third-party renders it from the poms). -->
The libraries in lib/ and their licences, as their Maven poms declare them. The build writes this list from
those poms; nothing in it is written by hand. The text of the Apache License 2.0 is in LICENSE; licences/
holds the licence and notice files that the jars themselves carry; the other texts are at the addresses given.

<#-- This build's own modules (the library and the harness, dependencies of the command line) are no third party. -->
<#list dependencyMap as e>
<#assign p = e.getKey()/>
<#if p.groupId != "org.odf2nna">
${p.name} (${p.groupId}:${p.artifactId}:${p.version})
<#list p.licenses as l>
    ${l.name}<#if l.url??>: ${l.url}</#if>
</#list>
</#if>
</#list>
