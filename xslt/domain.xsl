<?xml version="1.0" encoding="UTF-8"?>
<!-- xslt/domain.xsl - completes a domain boilerplate from templates/ with the <vlm:model> element
     vmlab-virt appends to its root; everything the boilerplate already holds is kept. The model
     element is left in place for platform stylesheets and removed by vmlab-virt afterwards. -->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:vlm="urn:vmlab-virt:model:1"
    xmlns:vmlab="https://vmlab-virt.dev/xmlns/domain/1"
    xmlns:qemu="http://libvirt.org/schemas/domain/qemu/1.0"
    exclude-result-prefixes="vlm">

  <xsl:output method="xml" indent="yes" encoding="UTF-8"/>
  <xsl:strip-space elements="*"/>

  <xsl:variable name="m" select="/domain/vlm:model"/>

  <!-- Identity: keep what the boilerplate says. Comments are the template's notes, not output. -->
  <xsl:template match="@*|node()">
    <xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy>
  </xsl:template>
  <xsl:template match="comment()"/>

  <xsl:template match="/domain">
    <domain type="{$m/@virt-type}">
      <xsl:copy-of select="namespace::*[name() = 'qemu']"/>
      <xsl:apply-templates select="@*[name() != 'type']"/>
      <name><xsl:value-of select="$m/@name"/></name>
      <xsl:if test="$m/@uuid">
        <uuid><xsl:value-of select="$m/@uuid"/></uuid>
      </xsl:if>
      <title><xsl:value-of select="$m/@title"/></title>
      <description><xsl:value-of select="$m/@description"/></description>
      <metadata>
        <vmlab:vm>
          <vmlab:lab><xsl:value-of select="$m/@lab"/></vmlab:lab>
          <vmlab:node><xsl:value-of select="$m/@node"/></vmlab:node>
          <vmlab:role><xsl:value-of select="$m/@role"/></vmlab:role>
          <vmlab:platform><xsl:value-of select="$m/@platform"/></vmlab:platform>
          <vmlab:spec-dir><xsl:value-of select="$m/@spec-dir"/></vmlab:spec-dir>
          <vmlab:host><xsl:value-of select="$m/@host-address"/></vmlab:host>
          <xsl:if test="$m/@server">
            <vmlab:server><xsl:value-of select="$m/@server"/></vmlab:server>
          </xsl:if>
          <vmlab:ssh-port><xsl:value-of select="$m/@ssh-port"/></vmlab:ssh-port>
          <xsl:if test="$m/@console-port">
            <vmlab:console-port><xsl:value-of select="$m/@console-port"/></vmlab:console-port>
          </xsl:if>
          <vmlab:digest/>
        </vmlab:vm>
        <xsl:apply-templates select="metadata/*"/>
      </metadata>
      <memory unit="MiB"><xsl:value-of select="$m/@memory-mib"/></memory>
      <vcpu placement="static"><xsl:value-of select="$m/@cpus"/></vcpu>
      <xsl:apply-templates select="*[not(self::name or self::title or self::description or self::metadata
                                         or self::memory or self::currentMemory or self::vcpu
                                         or self::vlm:model)]"/>
      <xsl:call-template name="cpu"/>
      <xsl:if test="$m/@smbios-product and not(sysinfo)">
        <sysinfo type="smbios">
          <system>
            <entry name="product"><xsl:value-of select="$m/@smbios-product"/></entry>
          </system>
        </sysinfo>
      </xsl:if>
      <xsl:call-template name="mgmt-nic"/>
      <xsl:copy-of select="$m"/>
    </domain>
  </xsl:template>

  <!-- Direct kernel boot: the model's kernel, initrd and command line. -->
  <xsl:template match="/domain/os">
    <os>
      <xsl:apply-templates select="@*|node()"/>
      <xsl:if test="$m/vlm:kernel">
        <kernel><xsl:value-of select="$m/vlm:kernel/@path"/></kernel>
        <xsl:if test="$m/vlm:kernel/@initrd">
          <initrd><xsl:value-of select="$m/vlm:kernel/@initrd"/></initrd>
        </xsl:if>
        <xsl:if test="$m/vlm:kernel/@cmdline">
          <cmdline><xsl:value-of select="$m/vlm:kernel/@cmdline"/></cmdline>
        </xsl:if>
      </xsl:if>
      <xsl:if test="$m/@smbios-product and not(smbios)">
        <smbios mode="sysinfo"/>
      </xsl:if>
    </os>
  </xsl:template>

  <!-- KVM passes the host CPU through; TCG gets qemu64 only when features are asked for. -->
  <xsl:template name="cpu">
    <xsl:choose>
      <xsl:when test="cpu"/>
      <xsl:when test="$m/@virt-type = 'kvm'">
        <cpu mode="host-passthrough" check="none">
          <xsl:call-template name="cpu-features"/>
        </cpu>
      </xsl:when>
      <xsl:when test="$m/vlm:cpu-feature">
        <cpu mode="custom" match="exact" check="none">
          <model fallback="allow">qemu64</model>
          <xsl:call-template name="cpu-features"/>
        </cpu>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="cpu-features">
    <xsl:for-each select="$m/vlm:cpu-feature">
      <feature policy="{@policy}" name="{@name}"/>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="pci-address">
    <xsl:param name="bus" select="'0x00'"/>
    <xsl:param name="slot"/>
    <address type="pci" domain="0x0000" bus="{$bus}" slot="{$slot}" function="0x0"/>
  </xsl:template>

  <xsl:template match="/domain/devices">
    <devices>
      <xsl:apply-templates select="@*"/>
      <xsl:for-each select="$m/vlm:disk">
        <disk type="file" device="disk">
          <driver name="qemu" type="{@format}"/>
          <source file="{@path}"/>
          <xsl:if test="@backing">
            <backingStore type="file">
              <format type="{@backing-format}"/>
              <source file="{@backing}"/>
            </backingStore>
          </xsl:if>
          <target dev="vda" bus="virtio"/>
          <xsl:call-template name="pci-address">
            <xsl:with-param name="slot" select="@pci-slot"/>
          </xsl:call-template>
        </disk>
      </xsl:for-each>
      <xsl:for-each select="$m/vlm:pci-bridge">
        <controller type="pci" index="{@index}" model="pci-bridge">
          <xsl:call-template name="pci-address">
            <xsl:with-param name="slot" select="@pci-slot"/>
          </xsl:call-template>
        </controller>
      </xsl:for-each>
      <!-- mcast NICs (the SR OS fabric) go through the pass-through below -->
      <xsl:for-each select="$m/vlm:nic[@type != 'mcast']">
        <interface type="{@type}">
          <mac address="{@mac}"/>
          <source address="{@address}" port="{@port}">
            <xsl:if test="@type = 'udp'">
              <local address="{@local-address}" port="{@local-port}"/>
            </xsl:if>
          </source>
          <model type="{@model}"/>
          <xsl:call-template name="pci-address">
            <xsl:with-param name="bus" select="@pci-bus"/>
            <xsl:with-param name="slot" select="@pci-slot"/>
          </xsl:call-template>
        </interface>
      </xsl:for-each>
      <!-- The serial console: a pty by default (virsh console, virt-manager and
           virDomainOpenConsole need one), QEMU's telnet server on the console port for platforms
           with vm_console "telnet". Either way its output goes to the boot log. -->
      <xsl:choose>
        <xsl:when test="$m/@console = 'telnet'">
          <serial type="tcp">
            <source mode="bind" host="{$m/@host-address}" service="{$m/@console-port}"/>
            <protocol type="telnet"/>
            <xsl:call-template name="console-log"/>
            <target port="0"/>
          </serial>
          <console type="tcp">
            <source mode="bind" host="{$m/@host-address}" service="{$m/@console-port}"/>
            <protocol type="telnet"/>
            <target type="serial" port="0"/>
          </console>
        </xsl:when>
        <xsl:otherwise>
          <serial type="pty">
            <xsl:call-template name="console-log"/>
            <target port="0"/>
          </serial>
          <console type="pty">
            <target type="serial" port="0"/>
          </console>
        </xsl:otherwise>
      </xsl:choose>
      <xsl:apply-templates select="node()"/>
    </devices>
  </xsl:template>

  <xsl:template name="console-log">
    <xsl:if test="$m/@log-path">
      <log file="{$m/@log-path}" append="on"/>
    </xsl:if>
  </xsl:template>

  <!-- NIC 0, management: QEMU user networking with the SSH port forwarded from the host. libvirt
       9.0 cannot forward ports on a user interface, so it goes through the QEMU pass-through. -->
  <xsl:template name="mgmt-nic">
    <qemu:commandline>
      <qemu:arg value="-netdev"/>
      <qemu:arg value="user,id=vlmgmt0,net={$m/@mgmt-net}{$m/@mgmt-host-opt},hostfwd=tcp:{$m/@host-address}:{$m/@ssh-port}-{$m/@mgmt-guest}:22"/>
      <qemu:arg value="-device"/>
      <qemu:arg value="{$m/@mgmt-device},netdev=vlmgmt0,mac={$m/@mgmt-mac},bus=pci.0,addr={$m/@mgmt-pci-slot}"/>
      <!-- libvirt's <interface type='mcast'> cannot pick a local address, so its frames would
           follow the default route off the host: bind the segment to loopback instead. -->
      <xsl:for-each select="$m/vlm:nic[@type = 'mcast']">
        <qemu:arg value="-netdev"/>
        <qemu:arg value="socket,id=vlfab{@index},mcast={@address}:{@port},localaddr={@local-address}"/>
        <qemu:arg value="-device"/>
        <qemu:arg value="{@qemu-device},netdev=vlfab{@index},mac={@mac},bus=pci.0,addr={@pci-slot}"/>
      </xsl:for-each>
    </qemu:commandline>
  </xsl:template>
</xsl:stylesheet>
